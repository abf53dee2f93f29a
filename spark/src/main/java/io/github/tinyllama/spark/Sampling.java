package io.github.tinyllama.spark;

import io.github.tinyllama.generate.GenerationConfig;

import java.io.Serializable;
import java.util.Objects;

/**
 * The generation settings of a job, as they travel to the executors: every setting of a {@link GenerationConfig}
 * (a record that serializes), with its seed the job's. Each row gets its own seed, {@link #seedOf(long, long)} of
 * the job's seed and the row's index, so a row's output does not depend on which partition or task it landed in,
 * nor on the rows decoded beside it.
 *
 * @param settings the settings every row shares; its seed is the job's
 */
public record Sampling(GenerationConfig settings) implements Serializable {

    public Sampling {
        Objects.requireNonNull(settings, "settings");
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens. */
    public static Sampling greedy(int maxNewTokens) {
        return new Sampling(GenerationConfig.greedy(maxNewTokens));
    }

    /** The settings of one row: the job's, with the row's seed. */
    GenerationConfig config(long row) {
        return settings.withSeed(seedOf(settings.seed(), row));
    }

    /**
     * The seed of row {@code row} of a job seeded with {@code seed}: SplitMix64's finaliser over both, so
     * neighbouring rows and neighbouring job seeds get unrelated random streams.
     */
    public static long seedOf(long seed, long row) {
        long z = seed + (row + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
