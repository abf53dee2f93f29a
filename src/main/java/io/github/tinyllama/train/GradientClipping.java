package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_} does it (DJL's own
 * {@code optClipGrad} clips each element from above only).
 */
final class GradientClipping {

    private GradientClipping() {}

    /**
     * Ends an optimizer step's gradient work: measures the accumulated gradients' global norm, stops
     * the run when it or the loss is not finite (before any weight changes), then clips to
     * {@code maxNorm}.
     *
     * @param parameters the parameters the optimizer will update
     * @param loss the step's loss
     * @param step the step's number, counted from 1, for the message
     * @param maxNorm the largest norm let through; 0 for no clipping
     * @return the global norm before clipping
     * @throws TrainingDivergedException if the loss or the norm is NaN or infinite
     */
    static double clipOrStop(Iterable<Parameter> parameters, double loss, int step, double maxNorm) {
        double norm = globalNorm(parameters);
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            throw new TrainingDivergedException("step " + step + ": the "
                    + (Double.isFinite(loss) ? "gradient norm is " + norm : "loss is " + loss)
                    + "; training stopped before updating the weights");
        }
        if (maxNorm > 0) {
            clip(parameters, norm, maxNorm);
        }
        return norm;
    }

    /** The 2-norm of all the parameters' gradients together. */
    private static double globalNorm(Iterable<Parameter> parameters) {
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
    private static void clip(Iterable<Parameter> parameters, double norm, double maxNorm) {
        float coefficient = Math.min(1f, (float) maxNorm / ((float) norm + 1e-6f));
        for (Parameter p : parameters) {
            try (NDArray g = p.getArray().getGradient()) {
                g.muli(coefficient);
            }
        }
    }
}
