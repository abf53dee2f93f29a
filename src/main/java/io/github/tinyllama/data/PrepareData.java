/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import io.github.tinyllama.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Tokenises a corpus into lit-gpt packed files, as lit-gpt's {@code prepare_slimpajama.py} and
 * {@code prepare_starcoder.py}: each document becomes {@code tokenizer.encode(text)} (no BOS unless
 * asked, {@code </s>} after it with {@link Builder#optEos}), appended back to back to a {@link PackedWriter}
 * whose fill token is BOS.
 *
 * <p>Documents are read in input order on the calling thread; with several workers, batches of
 * documents are tokenised in parallel but written strictly in reading order, so the output is the
 * same bytes whatever the number of workers. Unlike lit-gpt, which runs one builder per process and
 * so leaves one discarded partial chunk per process, one run here has one stream and discards at
 * most one partial chunk.
 */
public final class PrepareData {

    /** How far a run has got, passed to the listener after every batch. */
    public record Progress(long documents, long tokens, long filesWritten, int inputsDone, int inputs,
            long skipped, long filtered, double seconds) {
        /** Returns tokens per second so far. */
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    /**
     * What a run did.
     *
     * @param documents documents tokenised
     * @param tokens tokens produced (including EOS/BOS added per document)
     * @param tokensWritten tokens in the files (a multiple of the chunk size)
     * @param discardedTokens tokens of the final partial chunk, not written
     * @param files the files written, in order
     * @param inputs input files read
     * @param skipped malformed records skipped
     * @param filtered records dropped by filters
     * @param seconds wall-clock time
     */
    public record Summary(long documents, long tokens, long tokensWritten, long discardedTokens, List<Path> files,
            int inputs, long skipped, long filtered, double seconds) {
        /** Returns tokens per second. */
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    private static final int BATCH_DOCUMENTS = 64;
    private static final int BATCH_CHARS = 1 << 17;

    private final Builder b;

    private PrepareData(Builder b) {
        this.b = b;
    }

    /**
     * Starts a configuration.
     *
     * @param tokenizer the tokenizer; its vocabulary must fit uint16
     * @param outDir the output directory
     * @param prefix the file-name prefix
     * @return a builder
     */
    public static Builder builder(LlamaTokenizer tokenizer, Path outDir, String prefix) {
        return new Builder(tokenizer, outDir, prefix);
    }

    /** Options of a run; defaults are lit-gpt's. */
    public static final class Builder {
        private final LlamaTokenizer tokenizer;
        private final Path outDir;
        private final String prefix;
        private String textField;
        private List<FieldFilter> filters = List.of();
        private boolean eos;
        private boolean bos;
        private int workers = 1;
        private int chunkTokens = PackedFormat.DEFAULT_CHUNK_TOKENS;
        private boolean strict;
        private Consumer<MalformedDocumentException> onMalformed = e -> { };
        private Consumer<Progress> listener = p -> { };

        private Builder(LlamaTokenizer tokenizer, Path outDir, String prefix) {
            this.tokenizer = Objects.requireNonNull(tokenizer);
            this.outDir = Objects.requireNonNull(outDir);
            this.prefix = Objects.requireNonNull(prefix);
        }

        /** Sets the text field (dotted path) or Parquet column; null for the defaults of {@link DocumentReader}. */
        public Builder optTextField(String field) {
            this.textField = field;
            return this;
        }

        /** Sets the filters every record must pass. */
        public Builder optFilters(List<FieldFilter> filters) {
            this.filters = List.copyOf(filters);
            return this;
        }

        /** Appends {@code </s>} after each document (lit-gpt since 2023-10-18). */
        public Builder optEos(boolean eos) {
            this.eos = eos;
            return this;
        }

        /** Prepends {@code <s>} to each document (lit-gpt's setting for TinyLlama's first runs). */
        public Builder optBos(boolean bos) {
            this.bos = bos;
            return this;
        }

        /** Sets the number of tokenising threads (at least 1); the output does not depend on it. */
        public Builder optWorkers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Sets the tokens per file (2049 x 1024 by default). */
        public Builder optChunkTokens(int chunkTokens) {
            if (chunkTokens < 1) {
                throw new IllegalArgumentException("chunk size must be positive, got " + chunkTokens);
            }
            this.chunkTokens = chunkTokens;
            return this;
        }

        /** Makes a malformed record fatal instead of skipped. */
        public Builder optStrict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /** Sets the callback told of each skipped malformed record. */
        public Builder optOnMalformed(Consumer<MalformedDocumentException> onMalformed) {
            this.onMalformed = Objects.requireNonNull(onMalformed);
            return this;
        }

        /** Sets the progress listener, called on the calling thread. */
        public Builder optListener(Consumer<Progress> listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** Returns the configured job. */
        public PrepareData build() {
            PackedWriter.checkVocabSize(tokenizer.vocabSize());
            return new PrepareData(this);
        }
    }

    /**
     * Runs the job.
     *
     * @param inputs files and directories ({@link DocumentReader#expand})
     * @return the summary
     * @throws IOException if an input cannot be read, a record is malformed in strict mode, or a file cannot be written
     */
    public Summary run(List<Path> inputs) throws IOException {
        List<Path> files = DocumentReader.expand(inputs);
        long start = System.nanoTime();
        DocumentReader reader = new DocumentReader(b.textField, b.filters, b.strict, b.onMalformed);
        ExecutorService pool = b.workers > 1 ? Executors.newFixedThreadPool(b.workers, r -> {
            Thread t = new Thread(r, "prepare-data-worker");
            t.setDaemon(true);
            return t;
        }) : null;
        State state = new State();
        try (PackedWriter writer = new PackedWriter(b.outDir, b.prefix, b.chunkTokens, b.tokenizer.bosId())) {
            state.writer = writer;
            for (int f = 0; f < files.size(); f++) {
                final int i = f;
                reader.read(files.get(i), text -> {
                    state.batch.add(text);
                    state.batchChars += text.length();
                    if (state.batch.size() >= BATCH_DOCUMENTS || state.batchChars >= BATCH_CHARS) {
                        submit(state, pool);
                        report(state, reader, i, files.size(), start, writer);
                    }
                });
                submit(state, pool);
                report(state, reader, i + 1, files.size(), start, writer);
            }
            while (!state.pending.isEmpty()) {
                writeOne(state);
            }
            writer.close();
            report(state, reader, files.size(), files.size(), start, writer);
            return new Summary(state.documents, state.tokens, writer.tokensWritten(), writer.discardedTokens(),
                    List.copyOf(writer.files()), files.size(), reader.skipped(), reader.filtered(), seconds(start));
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /** Mutable state of a run, touched only by the calling thread. */
    private static final class State {
        PackedWriter writer;
        List<String> batch = new ArrayList<>();
        long batchChars;
        final ArrayDeque<Future<long[][]>> pending = new ArrayDeque<>();
        long documents;
        long tokens;
    }

    private void submit(State s, ExecutorService pool) throws IOException {
        if (s.batch.isEmpty()) {
            return;
        }
        List<String> batch = s.batch;
        s.batch = new ArrayList<>();
        s.batchChars = 0;
        if (pool == null) {
            write(s, tokenize(batch));
            return;
        }
        s.pending.add(pool.submit(() -> tokenize(batch)));
        while (s.pending.size() > 2 * b.workers) {
            writeOne(s);
        }
    }

    private void writeOne(State s) throws IOException {
        Future<long[][]> head = s.pending.removeFirst();
        try {
            write(s, head.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while tokenising");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("tokenisation failed: " + c, c);
        }
    }

    private void write(State s, long[][] docs) throws IOException {
        for (long[] ids : docs) {
            s.writer.add(ids);
            s.documents++;
            s.tokens += ids.length;
        }
    }

    private long[][] tokenize(List<String> batch) {
        long[][] out = new long[batch.size()][];
        long eosId = b.tokenizer.eosId();
        for (int i = 0; i < out.length; i++) {
            long[] ids = b.tokenizer.encode(batch.get(i), b.bos);
            if (b.eos) {
                ids = java.util.Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = eosId;
            }
            out[i] = ids;
        }
        return out;
    }

    private void report(State s, DocumentReader reader, int done, int total, long start, PackedWriter writer) {
        b.listener.accept(new Progress(s.documents, s.tokens, writer.files().size(), done, total,
                reader.skipped(), reader.filtered(), seconds(start)));
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
