package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_} does it (DJL's own
 * {@code optClipGrad} clips each element from above only).
 */
final class GradientClipping {

    private GradientClipping() {}

    /** The 2-norm of all the parameters' gradients together. */
    static double globalNorm(Iterable<Parameter> parameters) {
        double sumOfSquares = 0;
        for (Parameter p : parameters) {
            try (NDArray g = p.getArray().getGradient(); NDArray norm = g.norm()) {
                double n = norm.getFloat();
                sumOfSquares += n * n;
            }
        }
        return (float) Math.sqrt(sumOfSquares);
    }

    /** Scales every gradient by {@code min(1, maxNorm / (norm + 1e-6))}, as PyTorch does. */
    static void clip(Iterable<Parameter> parameters, double norm, double maxNorm) {
        float coefficient = Math.min(1f, (float) maxNorm / ((float) norm + 1e-6f));
        for (Parameter p : parameters) {
            try (NDArray g = p.getArray().getGradient()) {
                g.muli(coefficient);
            }
        }
    }
}
