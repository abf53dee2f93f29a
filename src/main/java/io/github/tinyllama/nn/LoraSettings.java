package io.github.tinyllama.nn;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The shape of a LoRA adapter: {@code W x + (alpha / rank) · B A dropout(x)} on every targeted projection.
 *
 * @param rank the inner dimension {@code r} of {@code A [r, in]} and {@code B [out, r]}
 * @param alpha the numerator of the scale {@code alpha / r} (PEFT's {@code lora_alpha}; not rsLoRA's {@code alpha / √r})
 * @param dropout the probability of zeroing an input element of the adapter path while training
 * @param targets the projections that get adapters, in every layer
 */
public record LoraSettings(int rank, float alpha, float dropout, Set<LoraTarget> targets) {

    /**
     * Checks and freezes the settings.
     *
     * @throws IllegalArgumentException if rank is not positive, alpha not finite and positive, dropout outside
     *     {@code [0, 1)} or there is no target
     */
    public LoraSettings {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, not " + rank);
        }
        if (!(alpha > 0) || !Float.isFinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be a positive number, not " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), not " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target projection");
        }
        targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /**
     * Rank 8, alpha 16, dropout 0.05, on q and v. The targets are PEFT's default for Llama; rank, alpha and
     * dropout are the usual recipe for small chat models (PEFT's own {@code LoraConfig} defaults to alpha 8 and
     * no dropout).
     */
    public static LoraSettings defaults() {
        return new LoraSettings(8, 16, 0.05f, EnumSet.of(LoraTarget.Q, LoraTarget.V));
    }

    /** The factor on the adapter's output, {@code alpha / rank}. */
    public float scale() {
        return alpha / rank;
    }
}
