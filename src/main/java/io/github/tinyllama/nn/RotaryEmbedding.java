package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.config.LlamaConfig;

/**
 * Rotary position embedding in Hugging Face's "rotate_half" layout: dimension {@code i} is paired
 * with {@code i + d/2} (not with {@code i + 1} as in Meta's original and GGUF layouts), so HF and
 * lit-gpt weights need no permutation.
 *
 * <p>{@code x' = x * cos + rotate_half(x) * sin}, where {@code rotate_half(x) = [-x₂, x₁]}. Writing
 * {@code rotate_half(x) * sin} as {@code [x₂, x₁] * [-sin₁, sin₂]} turns the sign flip into a
 * precomputed table, leaving one half-swap per call. Tables are computed once, in double
 * precision, for every position the model accepts.
 */
final class RotaryEmbedding implements AutoCloseable {

    private final NDArray cos;
    private final NDArray signedSin;
    private final int headSize;

    RotaryEmbedding(NDManager manager, LlamaConfig config) {
        headSize = config.headSize();
        int half = headSize / 2;
        int positions = config.maxPositions();
        float[] cosTable = new float[positions * headSize];
        float[] sinTable = new float[positions * headSize];
        for (int pos = 0; pos < positions; pos++) {
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
        Shape shape = new Shape(positions, headSize);
        cos = manager.create(cosTable, shape);
        signedSin = manager.create(sinTable, shape);
        NDScope.unregister(cos, signedSin);
    }

    /**
     * The rotation for positions {@code start .. start+length-1}, sliced once per forward pass and
     * shared by every layer.
     *
     * @param like an activation whose manager (which frees the rows with the step), device and type to use
     */
    Rotation at(NDArray like, long start, long length) {
        NDIndex rows = new NDIndex("{}:{}", start, start + length);
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
