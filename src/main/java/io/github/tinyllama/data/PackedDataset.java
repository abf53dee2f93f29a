/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Training blocks from lit-gpt packed files, as lit-gpt's {@code PackedDatasetIterator}: each file
 * of {@code chunk} tokens holds {@code chunk / (seqLen + 1)} non-overlapping blocks of
 * {@code seqLen + 1} tokens (the tail that fills no block is unused); a block gives
 * {@code input = block[0:seqLen]} and {@code target = block[1:seqLen+1]}, both int64 of shape
 * {@code [seqLen]}.
 *
 * <p><b>Order.</b> Files are taken in file-name order. Without shuffling, blocks come in that order,
 * file by file, block by block. With shuffling (the default), the file order is permuted and blocks
 * are permuted within windows of {@value #SHUFFLE_WINDOW_FILES} consecutive files of that order, like
 * lit-gpt's {@code n_chunks=8} buffers; both permutations depend only on the seed and the pass
 * (epoch), so the order is the same on every run. (The permutations are this project's own, from
 * {@link SplittableRandom}, not numpy's.) Memory stays bounded by one window however large the
 * corpus.
 *
 * <p>{@link #get(NDManager, long)} serves the first pass (index below {@link #size()}, as a DJL
 * {@link RandomAccessDataset}; pair it with a sequential sampler to keep this order);
 * {@link #readBlock(long, long[])} takes any position, position {@code p} being block
 * {@code p mod blocks()} of pass {@code p / blocks()}, which is how a {@link Mixture} cycles through a
 * source forever as lit-gpt's {@code wrap=True}. Files are memory-mapped on demand, a few at a time;
 * reading is thread-safe.
 */
public final class PackedDataset extends RandomAccessDataset implements AutoCloseable {

    /** Files whose blocks are shuffled together. */
    public static final int SHUFFLE_WINDOW_FILES = 8;
    private static final int OPEN_FILES = 16;

    private final List<Path> files;
    private final int seqLen;
    private final long seed;
    private final boolean shuffle;
    private final long[] blocksPerFile;
    private final long[] firstBlock;
    private final long blocks;
    /** Token ids must be below this; unchecked (any uint16) until {@link #checkingVocabulary} is called. */
    private volatile int vocabSize = 1 << 16;
    private final Map<Integer, MappedByteBuffer> maps = new LinkedHashMap<>(OPEN_FILES, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, MappedByteBuffer> eldest) {
            return size() > OPEN_FILES;
        }
    };
    private long cachedWindowKey = -1;
    private int[] cachedWindow;
    private final Map<Long, int[]> fileOrders = new LinkedHashMap<>(4, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
            return size() > 2;
        }
    };

    private PackedDataset(Builder builder) throws IOException {
        super(builder);
        this.files = List.copyOf(builder.files);
        this.seqLen = builder.seqLen;
        this.seed = builder.seed;
        this.shuffle = builder.shuffle;
        if (files.isEmpty()) {
            throw new IOException("no packed files" + (builder.source == null ? "" : " in " + builder.source));
        }
        if (seqLen < 1) {
            throw new IllegalArgumentException("sequence length must be positive, got " + seqLen);
        }
        blocksPerFile = new long[files.size()];
        firstBlock = new long[files.size()];
        long total = 0;
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            long size = Files.size(f);
            ByteBuffer header = ByteBuffer.allocate(PackedFormat.HEADER_SIZE);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                while (header.hasRemaining() && ch.read(header) >= 0) {
                    // fill
                }
            }
            long chunk = PackedFormat.readHeader(header.flip(), f.toString(), size);
            blocksPerFile[i] = chunk / (seqLen + 1);
            if (blocksPerFile[i] == 0) {
                throw new IOException(f + ": its " + chunk + " tokens hold no block of seqLen + 1 = " + (seqLen + 1) + " tokens");
            }
            firstBlock[i] = total;
            total += blocksPerFile[i];
        }
        this.blocks = total;
    }

    /**
     * Lists the packed files of a directory whose names start with a prefix, sorted by name (as lit-gpt's
     * {@code sorted(glob(f"{prefix}*"))}).
     *
     * @param dir the directory (not searched recursively)
     * @param prefix the file-name prefix; empty for all {@code .bin} files
     * @return the files
     * @throws IOException if the directory cannot be listed
     */
    public static List<Path> listFiles(Path dir, String prefix) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return n.startsWith(prefix) && n.endsWith(PackedFormat.SUFFIX) && !n.startsWith(".");
                    })
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
    }

    /** Returns a builder; set the files (or a directory) and the sequence length. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the sequence length; blocks have one token more. */
    public int seqLen() {
        return seqLen;
    }

    /** Returns the files, in file-name order. */
    public List<Path> files() {
        return files;
    }

    /** Returns the number of blocks in one pass. */
    public long blocks() {
        return blocks;
    }

    /** Returns whether blocks are shuffled. */
    public boolean shuffled() {
        return shuffle;
    }

    /**
     * Returns where the block at a position lies.
     *
     * @param position any non-negative position; pass {@code position / blocks()}
     * @return {fileIndex, blockInFile}, the file index into {@link #files()}
     */
    public synchronized long[] locate(long position) {
        if (position < 0) {
            throw new IndexOutOfBoundsException("negative position " + position);
        }
        long pass = position / blocks;
        long index = position % blocks;
        if (!shuffle) {
            int file = fileOf(index);
            return new long[] {file, index - firstBlock[file]};
        }
        int[] order = fileOrder(pass);
        // Walk windows of the permuted file order; sizes differ only when files have different chunk sizes.
        long start = 0;
        for (int w = 0; w < order.length; w += SHUFFLE_WINDOW_FILES) {
            int end = Math.min(order.length, w + SHUFFLE_WINDOW_FILES);
            long size = 0;
            for (int k = w; k < end; k++) {
                size += blocksPerFile[order[k]];
            }
            if (index < start + size) {
                int[] perm = window(pass, w, order, end, (int) size);
                int local = perm[(int) (index - start)];
                for (int k = w; k < end; k++) {
                    if (local < blocksPerFile[order[k]]) {
                        return new long[] {order[k], local};
                    }
                    local -= (int) blocksPerFile[order[k]];
                }
            }
            start += size;
        }
        throw new IllegalStateException("unreachable");
    }

    private int fileOf(long index) {
        int lo = 0;
        int hi = files.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (firstBlock[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private int[] fileOrder(long pass) {
        return fileOrders.computeIfAbsent(pass, p -> permutation(files.size(), new SplittableRandom(mix(seed, p, -1))));
    }

    private int[] window(long pass, int w, int[] order, int end, int size) {
        long key = pass * (files.size() + 1L) + w;
        if (key != cachedWindowKey) {
            cachedWindow = permutation(size, new SplittableRandom(mix(seed, pass, w)));
            cachedWindowKey = key;
        }
        return cachedWindow;
    }

    private static long mix(long seed, long pass, long window) {
        long h = seed * 0x9E3779B97F4A7C15L + pass;
        h = h * 0xBF58476D1CE4E5B9L + window;
        return h ^ (h >>> 31);
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Reads the block at a position.
     *
     * @param position any non-negative position (see the class comment)
     * @param out receives {@code seqLen + 1} token ids
     * @throws IOException if the file cannot be read
     */
    public void readBlock(long position, long[] out) throws IOException {
        if (out.length < seqLen + 1) {
            throw new IllegalArgumentException("output holds " + out.length + " tokens, a block has " + (seqLen + 1));
        }
        long[] where = locate(position);
        int file = (int) where[0];
        ByteBuffer map = map(file).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long offset = PackedFormat.HEADER_SIZE + 2L * where[1] * (seqLen + 1);
        for (int i = 0; i <= seqLen; i++) {
            out[i] = map.getShort((int) (offset + 2L * i)) & 0xffff;
            if (out[i] >= vocabSize) {
                throw new IOException(files.get(file) + ": block " + where[1] + " (token " + i + " of it) holds token id "
                        + out[i] + ", outside the model's vocabulary of " + vocabSize + " (0.." + (vocabSize - 1)
                        + "); was the data tokenised with another tokenizer?");
            }
        }
    }

    /**
     * Makes {@link #readBlock} refuse a token id the model cannot embed, naming the file and block, instead of
     * letting it reach the embedding (where libtorch says only "index out of range in self").
     *
     * @param size the model's vocabulary size
     * @return this dataset
     */
    public PackedDataset checkingVocabulary(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("vocabulary size must be positive, not " + size);
        }
        vocabSize = size;
        return this;
    }

    private synchronized MappedByteBuffer map(int file) throws IOException {
        MappedByteBuffer m = maps.get(file);
        if (m == null) {
            try (FileChannel ch = FileChannel.open(files.get(file), StandardOpenOption.READ)) {
                m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            }
            maps.put(file, m);
        }
        return m;
    }

    /**
     * Makes the record of a block: data {@code input} and labels {@code target}, int64 {@code [seqLen]}.
     *
     * @param manager creates the arrays
     * @param block {@code seqLen + 1} tokens
     * @param seqLen the sequence length
     * @return the record
     */
    public static Record toRecord(NDManager manager, long[] block, int seqLen) {
        NDArray input = manager.create(java.util.Arrays.copyOfRange(block, 0, seqLen), new Shape(seqLen));
        NDArray target = manager.create(java.util.Arrays.copyOfRange(block, 1, seqLen + 1), new Shape(seqLen));
        input.setName("input");
        target.setName("target");
        return new Record(new NDList(input), new NDList(target));
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        if (index < 0 || index >= blocks) {
            throw new IndexOutOfBoundsException("block " + index + " of " + blocks);
        }
        long[] block = new long[seqLen + 1];
        readBlock(index, block);
        return toRecord(manager, block, seqLen);
    }

    @Override
    protected long availableSize() {
        return blocks;
    }

    @Override
    public void prepare(Progress progress) {
        // Nothing to download or decode: files are mapped on first use.
    }

    /** Drops the file mappings; the dataset may still be used and maps files again. */
    @Override
    public synchronized void close() {
        maps.clear();
    }

    /** Configures a dataset. The default sampler is sequential with batch size 1. */
    public static final class Builder extends BaseBuilder<Builder> {
        private List<Path> files = List.of();
        private Path source;
        private int seqLen;
        private long seed = 42;
        private boolean shuffle = true;

        /**
         * Uses the packed files of a directory whose names start with a prefix.
         *
         * @param dir the directory
         * @param prefix the prefix, empty for all {@code .bin} files
         * @return this builder
         * @throws IOException if the directory cannot be listed
         */
        public Builder optDirectory(Path dir, String prefix) throws IOException {
            this.files = listFiles(dir, prefix);
            this.source = dir.resolve(prefix + "*" + PackedFormat.SUFFIX);
            return this;
        }

        /** Uses these files, sorted by file name. */
        public Builder optFiles(List<Path> files) {
            List<Path> sorted = new ArrayList<>(files);
            sorted.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            this.files = sorted;
            return this;
        }

        /** Sets the sequence length (2048 for TinyLlama); blocks are {@code seqLen + 1} tokens. */
        public Builder setSeqLen(int seqLen) {
            this.seqLen = seqLen;
            return this;
        }

        /** Sets the shuffling seed. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Turns shuffling off (file-name order, block by block) or on. */
        public Builder optShuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Builds the dataset, reading every file's header.
         *
         * @return the dataset
         * @throws IOException if there are no files, or one is not a packed file
         */
        public PackedDataset build() throws IOException {
            if (sampler == null) {
                setSampling(1, false);
            }
            return new PackedDataset(this);
        }
    }
}
