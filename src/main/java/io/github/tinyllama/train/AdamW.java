package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with exactly {@code torch.optim.AdamW}'s arithmetic (single-tensor path, no amsgrad):
 * decoupled weight decay {@code p ← p·(1 − lr·wd)}, then {@code m ← m + (g − m)(1 − β₁)},
 * {@code v ← β₂v + (1 − β₂)g²}, and {@code p ← p − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)}.
 *
 * <p>DJL's own AdamW puts ε inside the bias correction and cannot save its state, so runs could not
 * be compared with PyTorch or resumed; this one keeps its moments as named arrays that a
 * checkpoint stores. Weight decay applies to every parameter, as TinyLlama's training did.
 */
public final class AdamW {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private int step;

    /**
     * Creates the optimizer with zero moments.
     *
     * @param beta1 decay of the first moment
     * @param beta2 decay of the second moment
     * @param eps added to the denominator
     * @param weightDecay decoupled weight decay
     */
    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need 0 <= beta1, beta2 < 1, eps > 0, weight decay >= 0");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Number of updates applied so far. */
    public int step() {
        return step;
    }

    /**
     * Applies one update to every parameter from its accumulated gradient, then zeroes the gradients.
     *
     * @param parameters the parameters by name (the names key the optimizer state)
     * @param lr this step's learning rate
     */
    public void update(Map<String, Parameter> parameters, double lr) {
        beginStep();
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            NDArray p = entry.getValue().getArray();
            try (NDArray g = p.getGradient()) {
                apply(entry.getKey(), p, g, lr);
                g.subi(g);
            }
        }
    }

    /** Counts one more update; {@link #apply} then updates each parameter with this step's bias corrections. */
    void beginStep() {
        step++;
    }

    /**
     * Updates one parameter in place from its gradient, as step {@link #step()} of the run.
     *
     * @param name the parameter's name (keys its moments)
     * @param weight the parameter
     * @param g its gradient (left unchanged)
     * @param lr this step's learning rate
     */
    void apply(String name, NDArray weight, NDArray g, double lr) {
        double bias1 = 1 - Math.pow(beta1, step);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bias1);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            // The weight's data, detached from autograd: libtorch's gradient mode is per thread and on by
            // default (DJL turns it off only on the thread that started the engine), and in that mode an
            // in-place update of a leaf that requires gradients is refused.
            NDArray p = weight.stopGradient();
            NDArray m = moment(expAvg, name, p);
            NDArray v = moment(expAvgSq, name, p);
            p.muli((float) (1 - lr * weightDecay));
            m.addi(g.sub(m).muli((float) (1 - beta1)));
            v.muli((float) beta2).addi(g.mul((float) (1 - beta2)).muli(g));
            NDArray denom = v.sqrt().divi((float) bias2Sqrt).addi((float) eps);
            p.subi(m.div(denom).muli(stepSize));
        }
    }

    private static NDArray moment(Map<String, NDArray> moments, String name, NDArray like) {
        return moments.computeIfAbsent(name, n -> {
            NDManager manager = like.getManager();
            NDArray zeros = manager.zeros(like.getShape(), like.getDataType());
            NDScope.unregister(zeros);
            return zeros;
        });
    }

    /** The first moments by parameter name, for checkpoints. */
    public Map<String, NDArray> firstMoments() {
        return expAvg;
    }

    /** The second moments by parameter name, for checkpoints. */
    public Map<String, NDArray> secondMoments() {
        return expAvgSq;
    }

    /**
     * Restores a saved state.
     *
     * @param step the number of updates already applied
     * @param first first moments by parameter name
     * @param second second moments by parameter name
     */
    public void restore(int step, Map<String, NDArray> first, Map<String, NDArray> second) {
        this.step = step;
        expAvg.clear();
        expAvgSq.clear();
        expAvg.putAll(first);
        expAvgSq.putAll(second);
    }
}
