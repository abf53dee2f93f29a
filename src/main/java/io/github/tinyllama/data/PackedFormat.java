/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The lit-gpt packed token format ({@code lit_gpt/packed_dataset.py}), little-endian: the 7-byte magic
 * {@code LITPKDS}, a {@code uint64} version (1), a {@code uint8} dtype code (8 for {@code uint16}), a
 * {@code uint64} chunk size, then exactly {@code chunk size} tokens. Files are named
 * {@code {prefix}_{n:010d}.bin}. Only {@code uint16} tokens are written or read here.
 */
public final class PackedFormat {

    /** The magic bytes at the start of every file. */
    public static final byte[] MAGIC = "LITPKDS".getBytes(StandardCharsets.US_ASCII);
    /** The only format version. */
    public static final long VERSION = 1;
    /** lit-gpt's dtype code for {@code uint16}. */
    public static final int DTYPE_UINT16 = 8;
    /** Bytes before the first token. */
    public static final int HEADER_SIZE = 24;
    /** lit-gpt's chunk size for TinyLlama: 2049 tokens (a 2048-token block plus its shifted target) x 1024. */
    public static final int DEFAULT_CHUNK_TOKENS = 2049 * 1024;
    /** Suffix of packed files. */
    public static final String SUFFIX = ".bin";

    private PackedFormat() {}

    /**
     * Returns the name of a packed file, as lit-gpt's {@code f"{prefix}_{counter:010d}.bin"}.
     *
     * @param prefix the prefix
     * @param counter the file's number, from 0
     * @return the file name
     */
    public static String fileName(String prefix, long counter) {
        return prefix + "_" + String.format(Locale.ROOT, "%010d", counter) + SUFFIX;
    }

    /**
     * Returns the header of a {@code uint16} file.
     *
     * @param chunkTokens tokens in the file
     * @return 24 bytes, positioned at 0
     */
    public static ByteBuffer header(long chunkTokens) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putLong(VERSION).put((byte) DTYPE_UINT16).putLong(chunkTokens);
        return b.flip();
    }

    /**
     * Reads and checks a header.
     *
     * @param header at least 24 bytes from the start of the file
     * @param source the file, for messages
     * @param fileSize the file's size in bytes, checked against the chunk size
     * @return the chunk size in tokens
     * @throws IOException if this is not a {@code uint16} packed file of the right size
     */
    public static long readHeader(ByteBuffer header, String source, long fileSize) throws IOException {
        ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER_SIZE) {
            throw new IOException(source + ": not a packed dataset file (shorter than its 24-byte header)");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(source + ": not a packed dataset file (no LITPKDS magic)");
        }
        long version = b.getLong();
        if (version != VERSION) {
            throw new IOException(source + ": unsupported packed dataset version " + version + " (expected 1)");
        }
        int dtype = b.get() & 0xff;
        if (dtype != DTYPE_UINT16) {
            throw new IOException(source + ": unsupported token dtype code " + dtype + " (only 8, uint16, is supported)");
        }
        long chunk = b.getLong();
        if (chunk <= 0 || HEADER_SIZE + 2 * chunk != fileSize) {
            throw new IOException(source + ": chunk size " + chunk + " does not match the file size " + fileSize
                    + " (expected " + HEADER_SIZE + " + 2 x chunk size bytes)");
        }
        return chunk;
    }
}
