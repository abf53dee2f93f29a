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
     * Rotates {@code x} of shape {@code [..., T, headSize]} for positions {@code start .. start+T-1}.
     */
    NDArray apply(NDArray x, long start) {
        long length = x.getShape().get(x.getShape().dimension() - 2);
        NDIndex rows = new NDIndex("{}:{}", start, start + length);
        NDArray c = rowsFor(x, cos.get(rows));
        NDArray s = rowsFor(x, signedSin.get(rows));
        return x.mul(c).add(swapHalves(x).mul(s));
    }

    /** Moves table rows to the activations' manager (freed with the step), device and type. */
    private static NDArray rowsFor(NDArray x, NDArray tableRows) {
        tableRows.attach(x.getManager());
        return tableRows.toDevice(x.getDevice(), false).toType(x.getDataType(), false);
    }

    private NDArray swapHalves(NDArray x) {
        Shape shape = x.getShape();
        Shape pairs = shape.slice(0, shape.dimension() - 1).addAll(new Shape(2, headSize / 2));
        return x.reshape(pairs).flip(-2).reshape(shape);
    }

    @Override
    public void close() {
        cos.close();
        signedSin.close();
    }
}
