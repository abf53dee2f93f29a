package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;

import java.util.Map;

/**
 * {@link AdamW}'s torch-exact update as a DJL {@link Optimizer}, so a DJL {@code Trainer}'s
 * {@code step()} applies it: the trainer calls {@link #update} once per trainable parameter, with
 * the learning rate and step set by {@link #beginStep(double)} beforehand.
 *
 * <p>DJL hands each parameter by its random id; the moments are kept under the parameter's Hugging
 * Face name instead, so checkpoints name them and a resumed run finds them.
 */
final class TorchAdamW extends Optimizer {

    private final AdamW adamW;
    private final Map<String, String> namesById;
    private double lr;

    /**
     * @param adamW the arithmetic and the moments
     * @param namesById each trainable parameter's name by its DJL id
     */
    TorchAdamW(AdamW adamW, Map<String, String> namesById) {
        super(new Builder());
        this.adamW = adamW;
        this.namesById = Map.copyOf(namesById);
    }

    /** Starts an optimizer step at learning rate {@code value}; the trainer's {@code step()} follows. */
    void beginStep(double value) {
        lr = value;
        adamW.beginStep();
    }

    /** Updates one parameter, then zeroes its gradient (DJL passes a copy of it). */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        String name = namesById.get(parameterId);
        if (name == null) {
            throw new IllegalStateException("parameter " + parameterId + " was not registered as trainable");
        }
        adamW.apply(name, weight, grad, lr);
        try (NDArray own = weight.getGradient()) {
            own.subi(own);
        }
    }

    /** DJL's optimizers are built from builders; this one has nothing to configure through it. */
    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
