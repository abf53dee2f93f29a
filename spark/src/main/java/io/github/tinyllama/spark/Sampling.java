package io.github.tinyllama.spark;

import io.github.tinyllama.generate.GenerationConfig;

import java.io.Serializable;
import java.util.List;

/**
 * The generation settings of a job, in a form that travels to the executors. Each row gets its own seed,
 * {@link #seedOf(long, long)} of the job's seed and the row's index, so a row's output does not depend on which
 * partition or task it landed in, nor on the rows decoded beside it.
 *
 * @param maxNewTokens the most tokens to generate
 * @param temperature 0 decodes greedily; above 0 samples
 * @param topK sample among the K most likely tokens (0 = all)
 * @param topP nucleus sampling threshold (1 = off)
 * @param repetitionPenalty HF-style penalty (1 = off)
 * @param seed the job's seed
 * @param stop stop before any of these texts
 * @param leftTruncate whether an over-long prompt loses its start
 */
public record Sampling(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty,
        long seed, List<String> stop, boolean leftTruncate) implements Serializable {

    public Sampling {
        stop = List.copyOf(stop);
        // The settings' own checks, on the driver rather than in every task.
        config(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stop, leftTruncate);
    }

    /** The settings of a generation config; its seed becomes the job's. */
    public static Sampling of(GenerationConfig c) {
        return new Sampling(c.maxNewTokens(), c.temperature(), c.topK(), c.topP(), c.repetitionPenalty(), c.seed(),
                c.stopStrings(), c.leftTruncate());
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens. */
    public static Sampling greedy(int maxNewTokens) {
        return new Sampling(maxNewTokens, 0, 0, 1, 1, 0, List.of(), false);
    }

    /** The settings of one row. */
    GenerationConfig config(long row) {
        return config(maxNewTokens, temperature, topK, topP, repetitionPenalty, seedOf(seed, row), stop, leftTruncate);
    }

    private static GenerationConfig config(int maxNewTokens, double temperature, int topK, double topP,
            double repetitionPenalty, long seed, List<String> stop, boolean leftTruncate) {
        return GenerationConfig.builder().optMaxNewTokens(maxNewTokens).optTemperature(temperature).optTopK(topK).optTopP(topP)
                .optRepetitionPenalty(repetitionPenalty).optSeed(seed).optStopStrings(stop).optLeftTruncate(leftTruncate).build();
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
