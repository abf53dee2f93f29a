/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Record;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An endless stream of training blocks drawn from several {@link PackedDataset}s, as lit-gpt's
 * {@code CombinedDataset}: for each block a source is picked with Python's
 * {@code random.Random(seed).choices(sources, weights=weights, k=1)} (reproduced exactly by
 * {@link PythonRandom}, so the sequence of sources is lit-gpt's for the same seed and weights), and
 * that source's next block is taken. Each source cycles through its blocks forever, a new
 * (differently shuffled) pass each time, as lit-gpt's {@code wrap=True}.
 *
 * <p><b>Resuming.</b> {@link #position()} is the number of blocks drawn so far and how many came
 * from each source; {@link #seek(Position)} on a mixture opened with the same directory, spec (or schedule), sequence
 * length, seed and shuffling replays the source picks up to that point (cheap: two 32-bit draws
 * per block) and continues with exactly the blocks an uninterrupted run would have drawn next. A
 * position from another configuration is refused. Not thread-safe.
 *
 * <p>The weights may change with the draw index ({@link MixtureSchedule}, for multi-stage runs);
 * since they depend on nothing else, the same position replays a changing mixture exactly too.
 */
public final class Mixture implements AutoCloseable {

    /**
     * Where a mixture is: blocks drawn, and blocks taken from each source (in spec order).
     *
     * @param draws blocks drawn in total
     * @param consumed blocks taken from each source; they add up to {@code draws}
     */
    public record Position(long draws, long[] consumed) {

        /** Checks the position. */
        public Position {
            consumed = consumed.clone();
            long sum = 0;
            for (long c : consumed) {
                if (c < 0) {
                    throw new IllegalArgumentException("negative block count in position");
                }
                sum += c;
            }
            if (draws < 0 || sum != draws) {
                throw new IllegalArgumentException("invalid position: " + draws + " draws but " + sum + " blocks taken");
            }
        }

        @Override
        public long[] consumed() {
            return consumed.clone();
        }

        /**
         * Parses the form {@link #toString()} writes, {@code draws:c1,c2,...}.
         *
         * @param text the text
         * @return the position
         */
        public static Position parse(String text) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("invalid mixture position '" + text + "': expected DRAWS:COUNT,COUNT...");
            }
            try {
                long draws = Long.parseLong(text.substring(0, colon).strip());
                long[] consumed = Arrays.stream(text.substring(colon + 1).split(",")).map(String::strip)
                        .mapToLong(Long::parseLong).toArray();
                return new Position(draws, consumed);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid mixture position '" + text + "': " + e.getMessage(), e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Position p && p.draws == draws && Arrays.equals(p.consumed, consumed);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(draws) * 31 + Arrays.hashCode(consumed);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder().append(draws).append(':');
            for (int i = 0; i < consumed.length; i++) {
                sb.append(i == 0 ? "" : ",").append(consumed[i]);
            }
            return sb.toString();
        }
    }

    private final List<String> names;
    private final List<PackedDataset> sources;
    private final MixtureSchedule schedule;
    private final long seed;
    private final int seqLen;
    private PythonRandom random;
    private long draws;
    private final long[] consumed;
    private int lastSource = -1;

    private Mixture(List<String> names, List<PackedDataset> sources, MixtureSchedule schedule, long seed, int seqLen) {
        this.names = List.copyOf(names);
        this.sources = List.copyOf(sources);
        this.schedule = schedule;
        this.seed = seed;
        this.seqLen = seqLen;
        this.random = new PythonRandom(seed);
        this.consumed = new long[names.size()];
    }

    /**
     * Opens a mixture over the packed files of a directory.
     *
     * @param dir the directory holding {@code .bin} files
     * @param spec weights over file-name prefixes, or null for one source of all {@code .bin} files
     * @param seqLen the sequence length; blocks are {@code seqLen + 1} tokens
     * @param seed the seed of the source picks and of each source's shuffling
     * @param shuffle false for file-name order, block by block, in each source
     * @return the mixture, at position 0
     * @throws IOException if a prefix matches no file, or a file is not a packed file
     */
    public static Mixture open(Path dir, MixtureSpec spec, int seqLen, long seed, boolean shuffle) throws IOException {
        MixtureSpec s = spec == null ? new MixtureSpec(List.of(""), List.of(1.0)) : spec;
        double[] w = s.weights().stream().mapToDouble(Double::doubleValue).toArray();
        return open(dir, s.prefixes(), MixtureSchedule.constant(w), seqLen, seed, shuffle);
    }

    /**
     * Opens a mixture whose weights change with the draw index, as a multi-stage run's do.
     *
     * @param dir the directory holding {@code .bin} files
     * @param prefixes the file-name prefixes of the sources, every one the schedule weighs
     * @param schedule the weights of each draw, over {@code prefixes}
     * @param seqLen the sequence length; blocks are {@code seqLen + 1} tokens
     * @param seed the seed of the source picks and of each source's shuffling
     * @param shuffle false for file-name order, block by block, in each source
     * @return the mixture, at position 0
     * @throws IOException if a prefix matches no file, or a file is not a packed file
     */
    public static Mixture open(Path dir, List<String> prefixes, MixtureSchedule schedule, int seqLen, long seed,
            boolean shuffle) throws IOException {
        if (prefixes.size() != schedule.sources()) {
            throw new IllegalArgumentException(prefixes.size() + " prefixes but weights for " + schedule.sources());
        }
        List<PackedDataset> sources = new ArrayList<>();
        try {
            for (String prefix : prefixes) {
                List<Path> files = PackedDataset.listFiles(dir, prefix);
                if (files.isEmpty()) {
                    throw new IOException("no packed files " + dir.resolve(prefix + "*" + PackedFormat.SUFFIX)
                            + (prefix.isEmpty() ? "" : " for mixture prefix '" + prefix + "'"));
                }
                sources.add(PackedDataset.builder().optFiles(files).setSeqLen(seqLen).optSeed(seed)
                        .optShuffle(shuffle).build());
            }
        } catch (IOException | RuntimeException e) {
            sources.forEach(PackedDataset::close);
            throw e;
        }
        return new Mixture(prefixes, sources, schedule, seed, seqLen);
    }

    /**
     * Makes every source refuse a token id outside the model's vocabulary, naming the file and block
     * ({@link PackedDataset#checkingVocabulary}).
     *
     * @param vocabSize the model's vocabulary size
     * @return this mixture
     */
    public Mixture checkingVocabulary(int vocabSize) {
        sources.forEach(s -> s.checkingVocabulary(vocabSize));
        return this;
    }

    /** Returns the source prefixes, in spec order ({@code ""} for all files). */
    public List<String> names() {
        return names;
    }

    /** Returns the sources, in spec order. */
    public List<PackedDataset> sources() {
        return sources;
    }

    /** Returns the relative weights the next draw uses, in spec order (during a ramp, shares that sum to 1). */
    public double[] weights() {
        return schedule.weightsAt(draws);
    }

    /** Returns the sequence length. */
    public int seqLen() {
        return seqLen;
    }

    /** Returns the source of the block most recently drawn, or -1 before the first. */
    public int lastSource() {
        return lastSource;
    }

    /**
     * Draws the next block.
     *
     * @param out receives {@code seqLen + 1} tokens
     * @return the index of the source it came from
     * @throws IOException if the file cannot be read
     */
    public int next(long[] out) throws IOException {
        int source = random.choice(schedule.cumulativeWeightsAt(draws));
        sources.get(source).readBlock(consumed[source], out);
        consumed[source]++;
        draws++;
        lastSource = source;
        return source;
    }

    /**
     * Draws the next block as a record: {@code input} and {@code target}, int64 {@code [seqLen]}.
     *
     * @param manager creates the arrays
     * @return the record
     * @throws IOException if the file cannot be read
     */
    public Record next(NDManager manager) throws IOException {
        long[] block = new long[seqLen + 1];
        next(block);
        return PackedDataset.toRecord(manager, block, seqLen);
    }

    /**
     * Draws only the source of the next block, skipping its content; used to replay a position.
     *
     * @return the source index
     */
    int skip() {
        int source = random.choice(schedule.cumulativeWeightsAt(draws));
        consumed[source]++;
        draws++;
        lastSource = source;
        return source;
    }

    /** Returns the current position, to save with a checkpoint. */
    public Position position() {
        return new Position(draws, consumed);
    }

    /**
     * Moves to a saved position: the next block is the one that followed it in the run that saved it.
     *
     * @param position a position from {@link #position()} of a mixture with the same configuration
     * @throws IllegalArgumentException if the position has another number of sources, or replaying the
     *     seed's picks does not give its per-source counts (the seed or weights differ)
     */
    public void seek(Position position) {
        long[] want = position.consumed();
        if (want.length != sources.size()) {
            throw new IllegalArgumentException("position has " + want.length + " sources, this mixture "
                    + sources.size() + " (" + String.join(",", names) + ")");
        }
        random = new PythonRandom(seed);
        Arrays.fill(consumed, 0);
        draws = 0;
        lastSource = -1;
        for (long i = 0; i < position.draws(); i++) {
            skip();
        }
        if (!Arrays.equals(consumed, want)) {
            throw new IllegalArgumentException("position " + position + " does not belong to this mixture: its picks"
                    + " give " + position() + " (another seed or other weights?)");
        }
    }

    /** Releases the sources' file mappings. */
    @Override
    public void close() {
        sources.forEach(PackedDataset::close);
    }
}
