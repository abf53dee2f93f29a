package io.github.tinyllama.train;

/**
 * The hyper-parameters of a pre-training run; defaults are the paper's (AdamW β = 0.9/0.95,
 * weight decay 0.1 on all parameters, lr 4e-4 to 4e-5 over a cosine after 2000 warm-up steps,
 * global-norm clipping at 1.0).
 *
 * @param seqLen tokens per sequence
 * @param microBatch sequences per forward/backward pass
 * @param globalBatch sequences per optimizer step (a multiple of {@code microBatch})
 * @param maxSteps optimizer steps to run
 * @param schedule the learning rate over steps
 * @param weightDecay decoupled weight decay
 * @param beta1 AdamW β₁
 * @param beta2 AdamW β₂
 * @param eps AdamW ε
 * @param gradClip maximum global gradient norm (0 = no clipping)
 * @param seed seed of the weight initialisation and of the data order
 * @param saveEvery checkpoint every this many steps (0 = only at the end)
 */
public record TrainingSettings(
        int seqLen,
        int microBatch,
        int globalBatch,
        int maxSteps,
        LearningRateSchedule schedule,
        double weightDecay,
        double beta1,
        double beta2,
        double eps,
        double gradClip,
        long seed,
        int saveEvery) {

    /** Validates the values; each failure names the setting. */
    public TrainingSettings {
        if (seqLen < 1 || microBatch < 1 || globalBatch < microBatch || globalBatch % microBatch != 0) {
            throw new IllegalArgumentException("need seq-len >= 1, micro-batch-size >= 1 and a global-batch-size that"
                    + " is a multiple of it; found " + seqLen + ", " + microBatch + ", " + globalBatch);
        }
        if (maxSteps < 1 || saveEvery < 0 || gradClip < 0) {
            throw new IllegalArgumentException("need max-steps >= 1, save-every >= 0 and grad-clip >= 0");
        }
    }

    /** Micro-batches accumulated per optimizer step. */
    public int accumulation() {
        return globalBatch / microBatch;
    }

    /** Target tokens per optimizer step. */
    public long tokensPerStep() {
        return (long) globalBatch * seqLen;
    }
}
