package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.util.Capacity;

/**
 * Rotary position embedding in Hugging Face's "rotate_half" layout: dimension {@code i} is paired
 * with {@code i + d/2} (not with {@code i + 1} as in Meta's original and GGUF layouts), so HF and
 * lit-gpt weights need no permutation.
 *
 * <p>{@code x' = x * cos + rotate_half(x) * sin}, where {@code rotate_half(x) = [-x₂, x₁]}. Writing
 * {@code rotate_half(x) * sin} as {@code [x₂, x₁] * [-sin₁, sin₂]} turns the sign flip into a
 * precomputed table, leaving one half-swap per call. Tables are computed in double precision for the
 * positions in use, grown (doubling, up to the model's context) when a longer sequence comes: a config
 * whose context is 10^9 positions costs nothing until those positions are reached.
 */
final class RotaryEmbedding implements AutoCloseable {

    /** Positions computed up front: every released TinyLlama context fits. */
    private static final int INITIAL_POSITIONS = 4096;

    private final NDManager manager;
    private final LlamaConfig config;
    private final int headSize;
    private NDArray cos;
    private NDArray signedSin;
    private int positions;

    RotaryEmbedding(NDManager manager, LlamaConfig config) {
        this.manager = manager;
        this.config = config;
        headSize = config.headSize();
        build(Math.min(config.maxPositions(), INITIAL_POSITIONS));
    }

    private void build(int count) {
        long bytes = 2L * count * headSize * Float.BYTES;
        if (!manager.getDevice().isGpu()) {
            Capacity.requireMemory(bytes, "the rotary tables for " + count + " positions",
                    "use shorter sequences");
        }
        if ((long) count * headSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a sequence of " + count + " positions is too long: the rotary tables"
                    + " hold at most " + (Integer.MAX_VALUE - 8) / headSize + " positions of head size " + headSize);
        }
        int half = headSize / 2;
        float[] cosTable = new float[count * headSize];
        float[] sinTable = new float[cosTable.length];
        for (int pos = 0; pos < count; pos++) {
            double scaledPos = pos / config.ropeScalingFactor();
            for (int i = 0; i < half; i++) {
                double invFreq = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / headSize);
                double angle = scaledPos * invFreq;
                int row = pos * headSize;
                cosTable[row + i] = (float) Math.cos(angle);
                cosTable[row + half + i] = (float) Math.cos(angle);
                sinTable[row + i] = (float) -Math.sin(angle);
                sinTable[row + half + i] = (float) Math.sin(angle);
            }
        }
        Shape shape = new Shape(count, headSize);
        NDArray newCos = manager.create(cosTable, shape);
        NDArray newSin = manager.create(sinTable, shape);
        NDScope.unregister(newCos, newSin);
        if (cos != null) {
            close();
        }
        cos = newCos;
        signedSin = newSin;
        positions = count;
    }

    /**
     * The rotation for positions {@code start .. start+length-1}, sliced once per forward pass and
     * shared by every layer.
     *
     * @param like an activation whose manager (which frees the rows with the step), device and type to use
     */
    synchronized Rotation at(NDArray like, long start, long length) {
        long end = start + length;
        if (end > positions) {
            build((int) Math.min(config.maxPositions(), Math.max(end, 2L * positions)));
        }
        NDIndex rows = new NDIndex("{}:{}", start, end);
        return new Rotation(rowsFor(like, cos.get(rows)), rowsFor(like, signedSin.get(rows)), headSize);
    }

    /**
     * The rotation for sequences that each start at their own position: row {@code b} of a batch gets positions
     * {@code starts[b] .. starts[b]+length-1} (tables {@code [B, 1, T, headSize]}, broadcast over heads).
     */
    Rotation at(NDArray like, long[] starts, long length) {
        long[] positions = new long[(int) (starts.length * length)];
        for (int b = 0; b < starts.length; b++) {
            for (int t = 0; t < length; t++) {
                positions[(int) (b * length + t)] = starts[b] + t;
            }
        }
        Shape shape = new Shape(starts.length, 1, length, headSize);
        NDIndex rows = new NDIndex("{}", like.getManager().create(positions));
        return new Rotation(rowsFor(like, cos.get(rows)).reshape(shape),
                rowsFor(like, signedSin.get(rows)).reshape(shape), headSize);
    }

    private static NDArray rowsFor(NDArray like, NDArray tableRows) {
        tableRows.attach(like.getManager());
        return tableRows.toDevice(like.getDevice(), false).toType(like.getDataType(), false);
    }

    /** Cosines and signed sines of a run of positions, {@code [T, headSize]} each. */
    static final class Rotation {
        private final NDArray cos;
        private final NDArray signedSin;
        private final int headSize;

        private Rotation(NDArray cos, NDArray signedSin, int headSize) {
            this.cos = cos;
            this.signedSin = signedSin;
            this.headSize = headSize;
        }

        /** Rotates {@code x} of shape {@code [..., T, headSize]}. */
        NDArray apply(NDArray x) {
            return x.mul(cos).add(swapHalves(x).mul(signedSin));
        }

        private NDArray swapHalves(NDArray x) {
            Shape shape = x.getShape();
            Shape pairs = shape.slice(0, shape.dimension() - 1).addAll(new Shape(2, headSize / 2));
            return x.reshape(pairs).flip(-2).reshape(shape);
        }
    }

    @Override
    public void close() {
        cos.close();
        signedSin.close();
    }
}
