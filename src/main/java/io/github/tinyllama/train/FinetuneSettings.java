package io.github.tinyllama.train;

/**
 * The hyper-parameters of a fine-tuning run. Defaults follow TinyLlama's SFT
 * ({@code sft/finetune.py}: AdamW β = 0.9/0.999, no weight decay, warm-up over 5% of the steps,
 * global-norm clipping at 1.0), with a cosine to zero after the warm-up unless {@code constantLr}.
 *
 * @param epochs passes over the data
 * @param lr the peak learning rate
 * @param constantLr keep {@code lr} after the warm-up instead of decaying it along a cosine to 0
 * @param warmupRatio the share of all steps spent warming up linearly
 * @param microBatch examples per forward/backward pass
 * @param globalBatch examples per optimizer step (a multiple of {@code microBatch})
 * @param maxSeqLen the longest input; longer examples are cut (and counted)
 * @param weightDecay decoupled weight decay
 * @param beta1 AdamW β₁
 * @param beta2 AdamW β₂
 * @param gradClip maximum global gradient norm (0: no clipping)
 * @param seed seed of the data order (and of LoRA's initialisation)
 * @param saveEvery checkpoint every this many steps (0: only at the end)
 * @param trainOnPrompt whether the loss counts every token of a conversation, not only the replies
 */
public record FinetuneSettings(
        int epochs,
        double lr,
        boolean constantLr,
        double warmupRatio,
        int microBatch,
        int globalBatch,
        int maxSeqLen,
        double weightDecay,
        double beta1,
        double beta2,
        double gradClip,
        long seed,
        int saveEvery,
        boolean trainOnPrompt) {

    /** Validates the values; each failure names the setting. */
    public FinetuneSettings {
        if (epochs < 1 || !(lr > 0) || !(warmupRatio >= 0 && warmupRatio < 1)) {
            throw new IllegalArgumentException("need epochs >= 1, lr > 0 and 0 <= warm-up ratio < 1; found "
                    + epochs + ", " + lr + ", " + warmupRatio);
        }
        if (microBatch < 1 || globalBatch < microBatch || globalBatch % microBatch != 0) {
            throw new IllegalArgumentException("need micro-batch-size >= 1 and a global-batch-size that is a multiple"
                    + " of it; found " + microBatch + " and " + globalBatch);
        }
        if (maxSeqLen < 1 || saveEvery < 0 || gradClip < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("need max-seq-len >= 1, save-every >= 0, grad-clip >= 0 and"
                    + " weight decay >= 0");
        }
    }

    /**
     * TinyLlama's SFT settings at learning rate {@code lr}: 1 epoch, micro-batch 4, global batch 16,
     * sequences of up to 1024 tokens.
     */
    public static FinetuneSettings defaults(double lr) {
        return new FinetuneSettings(1, lr, false, 0.05, 4, 16, 1024, 0, 0.9, 0.999, 1.0, 42, 0, false);
    }

    /** These settings with {@code value} epochs. */
    public FinetuneSettings withEpochs(int value) {
        return new FinetuneSettings(value, lr, constantLr, warmupRatio, microBatch, globalBatch, maxSeqLen, weightDecay,
                beta1, beta2, gradClip, seed, saveEvery, trainOnPrompt);
    }

    /** These settings with micro-batches of {@code micro} and optimizer steps of {@code global} examples. */
    public FinetuneSettings withBatches(int micro, int global) {
        return new FinetuneSettings(epochs, lr, constantLr, warmupRatio, micro, global, maxSeqLen, weightDecay,
                beta1, beta2, gradClip, seed, saveEvery, trainOnPrompt);
    }

    /** These settings with inputs cut at {@code value} tokens. */
    public FinetuneSettings withMaxSeqLen(int value) {
        return new FinetuneSettings(epochs, lr, constantLr, warmupRatio, microBatch, globalBatch, value, weightDecay,
                beta1, beta2, gradClip, seed, saveEvery, trainOnPrompt);
    }

    /** The learning rate over a run of {@code totalSteps} optimizer steps. */
    LearningRateSchedule schedule(int totalSteps) {
        int warmup = (int) Math.round(warmupRatio * totalSteps);
        return new LearningRateSchedule(lr, constantLr ? lr : 0, warmup, totalSteps);
    }
}
