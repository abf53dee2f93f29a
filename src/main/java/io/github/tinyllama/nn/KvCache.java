package io.github.tinyllama.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.util.Capacity;

import java.util.Arrays;

/**
 * Keys and values of the tokens a sequence has seen so far, one buffer per layer.
 *
 * <p>Preallocating lets each step write its new rows in place instead of concatenating (and reallocating) a
 * growing tensor per layer per token. Buffers are allocated for the whole capacity up to 4096 tokens (every
 * released TinyLlama context); a larger capacity (a config whose context is 10^9 positions) starts there and
 * doubles when full, each growth checked against the memory available first. The cache is a value the caller
 * owns and passes to {@link LlamaNetwork#forward}: one set of weights can serve many caches.
 */
public final class KvCache implements AutoCloseable {

    /** Tokens allocated up front when the capacity is larger. */
    private static final int INITIAL_TOKENS = 4096;

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private int allocated;
    private int length;

    /**
     * Creates an empty cache.
     *
     * @param config the model's configuration
     * @param batchSize number of sequences decoded together
     * @param capacity the most tokens the cache will hold
     * @param device where the cache lives (the model's device)
     * @throws IllegalArgumentException if the first allocation does not fit the memory available
     */
    public KvCache(LlamaConfig config, int batchSize, int capacity, Device device) {
        this(config, batchSize, capacity, device, INITIAL_TOKENS);
    }

    /** A cache that allocates {@code initialTokens} up front (tests use a few, to make it grow). */
    KvCache(LlamaConfig config, int batchSize, int capacity, Device device, int initialTokens) {
        this(device, config.numLayers(), new Shape(batchSize, config.numKvHeads(), capacity, config.headSize()),
                initialTokens);
    }

    private KvCache(Device device, int layers, Shape shape, int initialTokens) {
        this.manager = NDManager.newBaseManager(device);
        this.capacity = (int) shape.get(2);
        keys = new NDArray[layers];
        values = new NDArray[layers];
        try {
            allocate(Math.min(capacity, initialTokens), shape);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** (Re)allocates every layer's buffers for {@code tokens} tokens, keeping the cached ones. */
    private void allocate(int tokens, Shape shape) {
        long bytes = 2L * keys.length * shape.get(0) * shape.get(1) * tokens * shape.get(3) * Float.BYTES;
        if (!manager.getDevice().isGpu()) {
            Capacity.requireMemory(bytes, "the KV cache for " + tokens + " tokens", "ask for fewer tokens "
                    + "(--max-new-tokens) or a shorter prompt");
        }
        Shape grown = new Shape(shape.get(0), shape.get(1), tokens, shape.get(3));
        NDIndex held = new NDIndex().addAllDim().addAllDim().addSliceDim(0, length);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = grownCopy(keys[i], grown, held);
            values[i] = grownCopy(values[i], grown, held);
        }
        allocated = tokens;
    }

    private NDArray grownCopy(NDArray old, Shape shape, NDIndex held) {
        NDArray fresh = manager.zeros(shape, DataType.FLOAT32);
        // The cache outlives any NDScope the caller may have open around its creation.
        NDScope.unregister(fresh);
        if (old != null) {
            if (length > 0) {
                try (NDArray kept = old.get(held)) {
                    fresh.set(held, kept);
                }
            }
            old.close();
        }
        return fresh;
    }

    /** Number of tokens cached so far; the position of the next token. */
    public int length() {
        return length;
    }

    /** The sequences (batch rows) this cache holds. */
    public int rows() {
        return (int) keys[0].getShape().get(0);
    }

    /** The most tokens this cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Forgets every token after the first {@code newLength}, so a conversation can rewind. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " tokens to " + newLength);
        }
        length = newLength;
    }

    /**
     * A new cache whose sequence {@code i} starts with a copy of this cache's sequence {@code rows[i]}:
     * several continuations of one context then read the context's keys and values instead of running it
     * through the model once per continuation.
     *
     * @param rows for each sequence of the new cache, the sequence of this one it copies (repeats allowed)
     * @param newCapacity the most tokens each sequence of the new cache will hold (at least {@link #length()})
     * @return the new cache, owned by the caller; this one is left as it is
     * @throws IllegalArgumentException if a row is out of range or the capacity is too small
     */
    public KvCache select(int[] rows, int newCapacity) {
        Shape shape = keys[0].getShape();
        for (int r : rows) {
            if (r < 0 || r >= shape.get(0)) {
                throw new IllegalArgumentException("cannot copy sequence " + r + " of a cache of " + shape.get(0));
            }
        }
        if (rows.length == 0 || newCapacity < length) {
            throw new IllegalArgumentException("cannot copy a cache of " + length + " tokens into " + rows.length
                    + " sequences of " + newCapacity + " tokens");
        }
        KvCache out = new KvCache(manager.getDevice(), keys.length,
                new Shape(rows.length, shape.get(1), newCapacity, shape.get(3)), INITIAL_TOKENS);
        if (length > out.allocated) {
            out.allocate(length, out.keys[0].getShape());
        }
        if (length > 0) {
            NDIndex held = new NDIndex().addAllDim().addAllDim().addSliceDim(0, length);
            try (NDManager scratch = manager.newSubManager()) {
                NDIndex picked = new NDIndex("{}", scratch.create(Arrays.stream(rows).asLongStream().toArray()));
                for (int i = 0; i < keys.length; i++) {
                    try (NDArray k = keys[i].get(held); NDArray v = values[i].get(held);
                            NDArray kk = k.get(picked); NDArray vv = v.get(picked)) {
                        out.keys[i].set(held, kk);
                        out.values[i].set(held, vv);
                    }
                }
            }
        }
        out.length = length;
        return out;
    }

    /**
     * Copies {@code count} cached positions of one sequence of {@code source}, from position {@code from}, into
     * sequence {@code targetRow} of this cache at position {@code to}: continuous batching moves a sequence that
     * was prefilled alone into a shared cache this way. This cache's length is left as it is ({@link #resize}).
     *
     * @throws IllegalArgumentException if a row or range is outside either cache
     */
    public void copyRow(KvCache source, int sourceRow, int from, int count, int targetRow, int to) {
        if (source == this || sourceRow < 0 || sourceRow >= source.rows() || targetRow < 0
                || targetRow >= rows() || from < 0 || count < 0 || from + count > source.length
                || to < 0 || to + count > capacity || source.keys.length != keys.length) {
            throw new IllegalArgumentException("cannot copy positions " + from + ".." + (from + count) + " of sequence "
                    + sourceRow + " (of a cache of " + source.length + ") to position " + to + " of sequence "
                    + targetRow + " (of a cache of capacity " + capacity + ")");
        }
        if (count == 0) {
            return;
        }
        holdAtLeast(to + count);
        NDIndex read = new NDIndex().addIndices(sourceRow).addAllDim().addSliceDim(from, from + count);
        NDIndex write = new NDIndex().addIndices(targetRow).addAllDim().addSliceDim(to, to + count);
        for (int i = 0; i < keys.length; i++) {
            try (NDArray k = source.keys[i].get(read); NDArray v = source.values[i].get(read)) {
                keys[i].set(write, k);
                values[i].set(write, v);
            }
        }
    }

    /**
     * Sets the number of positions held, growing or shrinking: positions that were never written hold stale
     * values, which the caller hides with a padding mask.
     *
     * @throws IllegalArgumentException if {@code newLength} is outside {@code 0..capacity}
     */
    public void resize(int newLength) {
        if (newLength < 0 || newLength > capacity) {
            throw new IllegalArgumentException("cannot hold " + newLength + " positions in a cache of " + capacity);
        }
        holdAtLeast(newLength);
        length = newLength;
    }

    /** Grows the buffers, doubling them at least, until they hold {@code tokens} positions. */
    private void holdAtLeast(int tokens) {
        if (tokens > allocated) {
            allocate((int) Math.min(capacity, Math.max(tokens, 2L * allocated)), keys[0].getShape());
        }
    }

    /** Checks that {@code count} more tokens fit, growing the buffers when they would not hold them. */
    void ensureRoom(long count) {
        if (length + count > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " cached + " + count
                    + " new tokens exceed its capacity of " + capacity);
        }
        holdAtLeast((int) (length + count));
    }

    /** Writes this step's keys and values of one layer and returns all cached ones, up to and including them. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        long count = k.getShape().get(2);
        // Built, not parsed from a string: this runs twice per layer per token.
        NDIndex fresh = new NDIndex().addAllDim().addAllDim().addSliceDim(length, length + count);
        keys[layer].set(fresh, k.toType(DataType.FLOAT32, false));
        values[layer].set(fresh, v.toType(DataType.FLOAT32, false));
        NDIndex seen = new NDIndex().addAllDim().addAllDim().addSliceDim(0, length + count);
        return new NDArray[] {viewFor(k, keys[layer].get(seen)), viewFor(k, values[layer].get(seen))};
    }

    /** Hands a view of the cache to the caller's manager, so it is freed with the step that made it. */
    private static NDArray viewFor(NDArray owner, NDArray view) {
        view.attach(owner.getManager());
        return view;
    }

    /** Records that the last forward pass added {@code count} tokens to every layer. */
    void advance(long count) {
        length += (int) count;
    }

    /**
     * For an engine that writes the cache itself ({@code generate.ScriptedStep}): grows the buffers to hold at
     * least {@code columns} positions and returns them, every layer's keys then every layer's values,
     * {@code [B, kvHeads, allocated, headSize]} float32 each. The length is left as it is ({@link #resize}).
     *
     * @throws IllegalArgumentException if {@code columns} exceeds the capacity
     */
    public NDArray[] buffers(int columns) {
        if (columns > capacity) {
            throw new IllegalArgumentException("KV cache full: " + columns + " positions exceed its capacity of "
                    + capacity);
        }
        holdAtLeast(columns);
        NDArray[] all = Arrays.copyOf(keys, 2 * keys.length);
        System.arraycopy(values, 0, all, keys.length, values.length);
        return all;
    }

    @Override
    public void close() {
        manager.close();
    }
}
