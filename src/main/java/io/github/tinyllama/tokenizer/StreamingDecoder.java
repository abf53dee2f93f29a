/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import java.util.Arrays;

/**
 * Turns token ids into text as they are generated, one at a time.
 *
 * <p>The pieces returned by {@link #push} and {@link #flush} concatenate to exactly
 * {@code tokenizer.decode(allIds)} (special tokens skipped). Decoding a token on its own would not
 * do: Llama drops the leading space of the first decoded token, and a character outside the
 * vocabulary arrives as several byte tokens that are only text together.
 *
 * <p>The decoder keeps a small window of recent ids: the ids of the last emitted text (the
 * <em>prefix</em>), then the ids not yet emitted. Each time a token completes text, the window is
 * decoded and the part beyond the prefix's text is returned, so the prefix supplies the context for
 * the space rule while the window stays a few tokens long, whatever the length of the stream.
 *
 * <p>Text is held back while the last text-bearing token is a byte token: HF decodes a run of byte
 * tokens as a unit, and if the run turns out not to be valid UTF-8, every byte of it becomes U+FFFD.
 * Emitting a run only once a non-byte token ends it gives exactly that result, and never a broken
 * character. Special tokens produce no text and do not end a run.
 *
 * <p>Not thread-safe: use one decoder per generated sequence.
 */
public final class StreamingDecoder {

    private final LlamaTokenizer tokenizer;
    private long[] window = new long[16];
    private int size;
    /** Window ids before this index are the prefix; those from here on are not yet emitted. */
    private int readOffset;
    /** The decoded text of the prefix. */
    private String prefixText = "";

    StreamingDecoder(LlamaTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Adds the next generated token.
     *
     * @param id a token id
     * @return the text this token completes; empty when it completes none yet
     */
    public String push(long id) {
        if (size == window.length) {
            window = Arrays.copyOf(window, size * 2);
        }
        window[size++] = id;
        if (tokenizer.isSpecial(id) || tokenizer.isByteFallback(id)) {
            return "";
        }
        return emit();
    }

    /**
     * Ends the sequence: returns the text still held back (such as an incomplete byte sequence,
     * decoded as U+FFFD as {@code decode} would), and resets the decoder for a new sequence.
     *
     * @return the remaining text, possibly empty
     */
    public String flush() {
        String rest = emit();
        size = 0;
        readOffset = 0;
        prefixText = "";
        return rest;
    }

    /** Returns how many ids the decoder holds, to let tests check that the window stays small. */
    int windowLength() {
        return size;
    }

    private String emit() {
        String text = tokenizer.decode(Arrays.copyOf(window, size), true);
        if (text.length() <= prefixText.length()) {
            return "";
        }
        // text starts with prefixText: the prefix ends after a complete, non-byte token, and the
        // only context-dependent decoding step (dropping one leading space) affects both alike.
        String delta = text.substring(prefixText.length());
        int unread = size - readOffset;
        System.arraycopy(window, readOffset, window, 0, unread);
        size = unread;
        readOffset = unread;
        prefixText = tokenizer.decode(Arrays.copyOf(window, size), true);
        return delta;
    }
}
