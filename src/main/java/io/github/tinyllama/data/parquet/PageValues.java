/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.BYTE_STREAM_SPLIT;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.DELTA_BINARY_PACKED;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.DELTA_BYTE_ARRAY;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.DELTA_LENGTH_BYTE_ARRAY;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.PLAIN;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.PLAIN_DICTIONARY;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.RLE;
import static io.github.tinyllama.data.parquet.ParquetThrift.Encoding.RLE_DICTIONARY;
import static io.github.tinyllama.data.parquet.ParquetThrift.Type.BOOLEAN;
import static io.github.tinyllama.data.parquet.ParquetThrift.Type.BYTE_ARRAY;
import static io.github.tinyllama.data.parquet.ParquetThrift.Type.DOUBLE;
import static io.github.tinyllama.data.parquet.ParquetThrift.Type.FLOAT;
import static io.github.tinyllama.data.parquet.ParquetThrift.Type.INT32;
import static io.github.tinyllama.data.parquet.ParquetThrift.Type.INT64;

import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The value encodings of data pages, each decoding to JSON primitives (numbers, booleans, UTF-8 text). */
final class PageValues {
    private PageValues() {}

    /**
     * Decodes the {@code present} values of one page's value section into {@code values} from index {@code v}.
     *
     * @return the index after the last value written
     */
    static int decode(ByteBuffer page, int encoding, int type, int present, JsonPrimitive[] dictionary,
            JsonPrimitive[] values, int v) throws IOException {
        if (encoding == PLAIN_DICTIONARY || encoding == RLE_DICTIONARY) {
            if (dictionary == null) {
                throw new IOException("dictionary-encoded page without a dictionary page");
            }
            int[] indices = new int[present];
            new RleHybrid(page, page.get() & 0xff).read(indices, present);
            for (int index : indices) {
                if (index < 0 || index >= dictionary.length) {
                    throw new IOException("dictionary index " + index + " out of " + dictionary.length);
                }
                values[v++] = dictionary[index];
            }
        } else if (encoding == PLAIN && type == BOOLEAN) {
            for (int i = 0; i < present; i++) {
                values[v++] = new JsonPrimitive(((page.get(i / 8) >>> (i % 8)) & 1) == 1);
            }
        } else if (encoding == RLE && type == BOOLEAN) {
            int[] bits = new int[present];
            new RleHybrid(lengthPrefixed(page).order(ByteOrder.LITTLE_ENDIAN), 1).read(bits, present);
            for (int b : bits) {
                values[v++] = new JsonPrimitive(b == 1);
            }
        } else if (encoding == PLAIN) {
            for (int i = 0; i < present; i++) {
                values[v++] = plainValue(page, type);
            }
        } else if (encoding == DELTA_BINARY_PACKED && (type == INT32 || type == INT64)) {
            for (long value : deltaBinaryPacked(page)) {
                values[v++] = type == INT32 ? new JsonPrimitive((int) value) : new JsonPrimitive(value);
            }
        } else if (encoding == BYTE_STREAM_SPLIT && type != BOOLEAN && type != BYTE_ARRAY) {
            ByteBuffer joined = byteStreamSplit(page, present, type == INT32 || type == FLOAT ? 4 : 8);
            for (int i = 0; i < present; i++) {
                values[v++] = plainValue(joined, type);
            }
        } else if ((encoding == DELTA_LENGTH_BYTE_ARRAY || encoding == DELTA_BYTE_ARRAY) && type == BYTE_ARRAY) {
            for (byte[] bytes : deltaByteArrays(page, encoding == DELTA_BYTE_ARRAY)) {
                values[v++] = new JsonPrimitive(text(ByteBuffer.wrap(bytes)));
            }
        } else {
            throw new IOException("encoding " + encoding + " of physical type " + type + " is not supported (PLAIN,"
                    + " dictionaries, DELTA_BINARY_PACKED for integers, DELTA_LENGTH_BYTE_ARRAY and"
                    + " DELTA_BYTE_ARRAY for text, BYTE_STREAM_SPLIT for numbers, RLE for booleans are)");
        }
        return v;
    }

    /** A section that starts with its length in bytes (4, little-endian); leaves {@code page} after it. */
    static ByteBuffer lengthPrefixed(ByteBuffer page) {
        int len = page.order(ByteOrder.LITTLE_ENDIAN).getInt();
        ByteBuffer out = page.slice(page.position(), len);
        page.position(page.position() + len);
        return out;
    }

    /** One {@code PLAIN} value of a non-boolean type. */
    static JsonPrimitive plainValue(ByteBuffer page, int type) throws IOException {
        page.order(ByteOrder.LITTLE_ENDIAN);
        return switch (type) {
            case INT32 -> new JsonPrimitive(page.getInt());
            case INT64 -> new JsonPrimitive(page.getLong());
            case FLOAT -> new JsonPrimitive(page.getFloat());
            case DOUBLE -> new JsonPrimitive(page.getDouble());
            case BYTE_ARRAY -> {
                int len = page.getInt();
                ByteBuffer bytes = page.slice(page.position(), len);
                page.position(page.position() + len);
                yield new JsonPrimitive(text(bytes));
            }
            default -> throw new IllegalStateException("no PLAIN values of type " + type + " here");
        };
    }

    private static String text(ByteBuffer bytes) throws IOException {
        try {
            return utf8().decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("invalid UTF-8 text in a value");
        }
    }

    /**
     * {@code DELTA_BINARY_PACKED}: a header (values per block, miniblocks per block, value count, first value),
     * then blocks of a minimum delta, one bit width per miniblock and the miniblocks' bit-packed deltas above the
     * minimum. Leaves {@code in} after the last miniblock that holds values.
     */
    private static long[] deltaBinaryPacked(ByteBuffer in) throws IOException {
        int blockSize = (int) ThriftCompact.varint(in);
        int miniblocks = (int) ThriftCompact.varint(in);
        int count = Math.toIntExact(ThriftCompact.varint(in));
        long value = ThriftCompact.zigzag(ThriftCompact.varint(in));
        if (miniblocks <= 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0) {
            throw new IOException("invalid DELTA_BINARY_PACKED header: blocks of " + blockSize + " values in "
                    + miniblocks + " miniblocks");
        }
        int perMiniblock = blockSize / miniblocks;
        long[] out = new long[count];
        if (count > 0) {
            out[0] = value;
        }
        int n = 1;
        while (n < count) {
            long minDelta = ThriftCompact.zigzag(ThriftCompact.varint(in));
            byte[] widths = new byte[miniblocks];
            in.get(widths);
            for (int m = 0; m < miniblocks && n < count; m++) {
                int width = widths[m] & 0xff;
                if (width > 64) {
                    throw new IOException("invalid DELTA_BINARY_PACKED bit width " + width);
                }
                byte[] packed = new byte[perMiniblock * width / 8];
                in.get(packed);
                for (int i = 0; i < perMiniblock && n < count; i++) {
                    value += minDelta + bits(packed, (long) i * width, width);
                    out[n++] = value;
                }
            }
        }
        return out;
    }

    /**
     * {@code BYTE_STREAM_SPLIT}: byte {@code k} of value {@code i} is at {@code k * count + i}; returns the values
     * put back together, as {@code PLAIN} would hold them.
     */
    private static ByteBuffer byteStreamSplit(ByteBuffer in, int count, int width) throws IOException {
        if (in.remaining() < count * width) {
            throw new IOException("BYTE_STREAM_SPLIT page of " + in.remaining() + " bytes for " + count + " values");
        }
        byte[] joined = new byte[count * width];
        for (int k = 0; k < width; k++) {
            for (int i = 0; i < count; i++) {
                joined[i * width + k] = in.get(in.position() + k * count + i);
            }
        }
        return ByteBuffer.wrap(joined).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@code width} bits from bit {@code offset} on, least significant first, as Parquet packs them. */
    private static long bits(byte[] packed, long offset, int width) {
        long v = 0;
        for (int b = 0; b < width; b++) {
            long at = offset + b;
            v |= (long) ((packed[(int) (at >>> 3)] >>> (at & 7)) & 1) << b;
        }
        return v;
    }

    /**
     * {@code DELTA_LENGTH_BYTE_ARRAY}: the lengths, delta-binary-packed, then the bytes one after another;
     * {@code DELTA_BYTE_ARRAY} puts the lengths of the prefixes shared with the previous value in front of that.
     */
    private static List<byte[]> deltaByteArrays(ByteBuffer in, boolean prefixed) throws IOException {
        long[] prefixes = prefixed ? deltaBinaryPacked(in) : null;
        long[] lengths = deltaBinaryPacked(in);
        if (prefixed && prefixes.length != lengths.length) {
            throw new IOException("DELTA_BYTE_ARRAY with " + prefixes.length + " prefixes for " + lengths.length
                    + " suffixes");
        }
        List<byte[]> out = new ArrayList<>(lengths.length);
        byte[] previous = new byte[0];
        for (int i = 0; i < lengths.length; i++) {
            int prefix = prefixed ? Math.toIntExact(prefixes[i]) : 0;
            if (prefix > previous.length) {
                throw new IOException("DELTA_BYTE_ARRAY prefix of " + prefix + " bytes after a value of "
                        + previous.length);
            }
            byte[] value = Arrays.copyOf(previous, prefix + Math.toIntExact(lengths[i]));
            in.get(value, prefix, value.length - prefix);
            out.add(value);
            previous = value;
        }
        return out;
    }

    private static CharsetDecoder utf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
