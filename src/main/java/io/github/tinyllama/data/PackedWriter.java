/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import io.github.tinyllama.util.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Writes token streams in the lit-gpt packed format byte for byte, as lit-gpt's
 * {@code PackedDatasetBuilder} with {@code dtype="auto"} (uint16) and {@code sep_token = bos}.
 *
 * <p>Each chunk is pre-filled with the separator (BOS) and filled with tokens back to back; documents
 * span chunk boundaries. When a chunk is full it is written, atomically, as
 * {@code {prefix}_{n:010d}.bin} with {@code n} counting from 0.
 *
 * <p><b>The final partial chunk is discarded</b> on {@link #close()}, as lit-gpt does since
 * November 2023 (commit {@code 0da1d7a}, issue #83): writing it would add a file that is mostly BOS
 * fill, the cause of TinyLlama's "bos_id issue". {@link #discardedTokens()} says how many tokens
 * were dropped, so that callers can report it; a corpus smaller than one chunk produces no file.
 * One deliberate difference: lit-gpt writes a chunk only when the next token overflows it, so when a
 * corpus ends exactly on a chunk boundary its last (full) chunk is dropped too; here a full chunk is
 * written at once, so that case yields one more file. Every file both write is identical.
 */
public final class PackedWriter implements AutoCloseable {

    private final Path dir;
    private final String prefix;
    private final int chunkTokens;
    private final short sep;
    private final short[] chunk;
    private int fill;
    private long counter;
    private long tokensWritten;
    private long discarded;
    private boolean closed;
    private final List<Path> files = new ArrayList<>();

    /**
     * Creates a writer; the directory is created if needed.
     *
     * @param dir the output directory
     * @param prefix the file-name prefix, for example {@code train_slim}
     * @param chunkTokens tokens per file ({@link PackedFormat#DEFAULT_CHUNK_TOKENS} for lit-gpt)
     * @param sepToken the fill token, the tokenizer's BOS id in lit-gpt
     * @throws IOException if the directory cannot be created
     * @throws IllegalArgumentException if the prefix is empty or has a path separator, the chunk size is not
     *     positive or the fill token does not fit uint16
     */
    public PackedWriter(Path dir, String prefix, int chunkTokens, long sepToken) throws IOException {
        if (prefix == null || prefix.isEmpty() || prefix.contains("/") || prefix.contains("\\")) {
            throw new IllegalArgumentException("invalid prefix '" + prefix + "': must be a non-empty file-name prefix");
        }
        if (chunkTokens <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkTokens);
        }
        checkToken(sepToken);
        this.dir = dir;
        this.prefix = prefix;
        this.chunkTokens = chunkTokens;
        this.sep = (short) sepToken;
        this.chunk = new short[chunkTokens];
        java.util.Arrays.fill(chunk, sep);
        Files.createDirectories(dir);
    }

    /**
     * Refuses a vocabulary whose ids do not fit uint16.
     *
     * @param vocabSize the number of token ids
     * @throws IllegalArgumentException if {@code vocabSize > 65536}
     */
    public static void checkVocabSize(long vocabSize) {
        if (vocabSize > 65536) {
            throw new IllegalArgumentException("vocabulary of " + vocabSize
                    + " tokens does not fit the packed format's uint16 tokens (at most 65536)");
        }
    }

    private static void checkToken(long token) {
        if (token < 0 || token > 0xffff) {
            throw new IllegalArgumentException("token id " + token + " does not fit uint16");
        }
    }

    /**
     * Appends tokens, writing every chunk that fills up.
     *
     * @param tokens token ids, each in [0, 65535]
     * @throws IOException if a file cannot be written
     * @throws IllegalArgumentException if an id does not fit uint16 (nothing of {@code tokens} is added then)
     */
    public void add(long[] tokens) throws IOException {
        add(tokens, 0, tokens.length);
    }

    /**
     * Appends {@code tokens[from, to)}.
     *
     * @param tokens token ids
     * @param from first index
     * @param to end index, exclusive
     * @throws IOException if a file cannot be written
     */
    public void add(long[] tokens, int from, int to) throws IOException {
        if (closed) {
            throw new IllegalStateException("writer is closed");
        }
        for (int i = from; i < to; i++) {
            checkToken(tokens[i]);
        }
        int i = from;
        while (i < to) {
            int n = Math.min(to - i, chunkTokens - fill);
            for (int k = 0; k < n; k++) {
                chunk[fill + k] = (short) tokens[i + k];
            }
            fill += n;
            i += n;
            if (fill == chunkTokens) {
                flushChunk();
            }
        }
    }

    private void flushChunk() throws IOException {
        Path file = dir.resolve(PackedFormat.fileName(prefix, counter));
        ByteBuffer body = ByteBuffer.allocate(PackedFormat.HEADER_SIZE + 2 * chunkTokens).order(ByteOrder.LITTLE_ENDIAN);
        body.put(PackedFormat.header(chunkTokens));
        ShortBuffer shorts = body.asShortBuffer();
        shorts.put(chunk, 0, chunkTokens);
        body.position(0);
        AtomicFiles.write(file, out -> AtomicFiles.writeAll(out, body));
        files.add(file);
        counter++;
        tokensWritten += chunkTokens;
        java.util.Arrays.fill(chunk, sep);
        fill = 0;
    }

    /** Returns the files written so far, in order. */
    public List<Path> files() {
        return Collections.unmodifiableList(files);
    }

    /** Returns the tokens in the files written so far (a multiple of the chunk size). */
    public long tokensWritten() {
        return tokensWritten;
    }

    /** Returns the tokens of the final partial chunk that {@link #close()} discarded (0 before closing). */
    public long discardedTokens() {
        return discarded;
    }

    /** Returns the tokens added but not yet in a file. */
    public int pendingTokens() {
        return fill;
    }

    /** Discards the final partial chunk, as lit-gpt does; see the class comment. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            discarded = fill;
            fill = 0;
        }
    }
}
