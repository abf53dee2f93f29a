/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Minimal protobuf wire-format reader over a byte range.
 *
 * <p>Every read is bounds-checked against the end of the current message, so corrupt or truncated
 * input surfaces as an {@link IOException} with the source name and byte offset rather than as an
 * index exception, and a bogus length can never make us allocate more than the input holds.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private static final long MAX_FIELD_NUMBER = (1L << 29) - 1;

    private final byte[] data;
    private final String source;
    private final String message;
    private int pos;
    private final int end;

    private ProtoReader(byte[] data, String source, String message, int start, int end) {
        this.data = data;
        this.source = source;
        this.message = message;
        this.pos = start;
        this.end = end;
    }

    /** Reads a whole buffer as the top-level message named {@code message}. */
    static ProtoReader of(byte[] data, String source, String message) {
        return new ProtoReader(data, source, message, 0, data.length);
    }

    boolean hasMore() {
        return pos < end;
    }

    /**
     * Reads the next field tag.
     *
     * @return the tag, from which {@link #fieldNumber} and {@link #wireType} extract the parts
     */
    int readTag() throws IOException {
        int tagStart = pos;
        long tag = readVarint();
        long field = tag >>> 3;
        if (field == 0 || field > MAX_FIELD_NUMBER) {
            throw corrupt(tagStart, "invalid field number " + field);
        }
        return (int) tag;
    }

    static int fieldNumber(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    private long readVarint() throws IOException {
        int start = pos;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw corrupt(start, "truncated varint");
            }
            byte b = data[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt(start, "varint longer than 10 bytes");
    }

    /** Reads an {@code int32}/enum field; protobuf encodes negative values as 64-bit varints. */
    int readInt32(int tag) throws IOException {
        expectWireType(tag, VARINT);
        return (int) readVarint();
    }

    boolean readBool(int tag) throws IOException {
        expectWireType(tag, VARINT);
        return readVarint() != 0;
    }

    float readFloat(int tag) throws IOException {
        expectWireType(tag, FIXED32);
        require(4, "float");
        int bits = (data[pos] & 0xFF)
                | (data[pos + 1] & 0xFF) << 8
                | (data[pos + 2] & 0xFF) << 16
                | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    String readString(int tag) throws IOException {
        expectWireType(tag, LENGTH_DELIMITED);
        int start = pos;
        int length = readLength();
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, pos, length))
                    .toString();
            pos += length;
            return s;
        } catch (CharacterCodingException e) {
            throw corrupt(start, "string field is not valid UTF-8");
        }
    }

    /** Returns a reader over the embedded message that follows, and skips past it here. */
    ProtoReader readMessage(int tag, String name) throws IOException {
        expectWireType(tag, LENGTH_DELIMITED);
        int length = readLength();
        ProtoReader sub = new ProtoReader(data, source, name, pos, pos + length);
        pos += length;
        return sub;
    }

    void skipField(int tag) throws IOException {
        int start = pos;
        switch (wireType(tag)) {
            case VARINT:
                readVarint();
                break;
            case FIXED64:
                require(8, "fixed64");
                pos += 8;
                break;
            case LENGTH_DELIMITED:
                int length = readLength(); // not "pos += readLength()": that adds to the old pos
                pos += length;
                break;
            case FIXED32:
                require(4, "fixed32");
                pos += 4;
                break;
            default:
                throw corrupt(start, "unsupported wire type " + wireType(tag)
                        + " for field " + fieldNumber(tag));
        }
    }

    /** Checks that a known field arrived with the wire type its schema declares. */
    private void expectWireType(int tag, int expected) throws IOException {
        if (wireType(tag) != expected) {
            throw corrupt(pos, "field " + fieldNumber(tag) + " has wire type " + wireType(tag)
                    + ", expected " + expected);
        }
    }

    private int readLength() throws IOException {
        int start = pos;
        long length = readVarint();
        if (length < 0 || length > end - pos) {
            throw corrupt(start, "length " + length + " exceeds the " + (end - pos)
                    + " bytes left in " + message);
        }
        return (int) length;
    }

    private void require(int n, String what) throws IOException {
        if (end - pos < n) {
            throw corrupt(pos, "truncated " + what);
        }
    }

    private IOException corrupt(int offset, String problem) {
        return new IOException(source + ": not a valid SentencePiece model (" + problem + " in "
                + message + " at byte offset " + offset + "; a truncated or damaged file?)");
    }
}
