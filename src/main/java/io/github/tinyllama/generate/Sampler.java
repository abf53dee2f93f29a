package io.github.tinyllama.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from last-position logits, in Java: vocabularies are small enough
 * (32k floats) that copying them off the engine costs microseconds, and a Java random source makes
 * a seed mean the same thing on every device (DJL's PyTorch engine also lacks multinomial sampling).
 */
final class Sampler {

    private final GenerationConfig config;
    private final Random random;
    /** How often each token was chosen so far, for OpenAI's penalties; {@code null} when both are off. */
    private int[] chosen;

    Sampler(GenerationConfig config) {
        this.config = config;
        this.random = new Random(config.seed());
    }

    /**
     * Chooses a token.
     *
     * @param logits next-token logits, modified in place
     * @param seen whether each token id already occurred (for the repetition penalty)
     * @return the chosen token id
     */
    int next(float[] logits, boolean[] seen) {
        applyRepetitionPenalty(logits, seen);
        applyOpenAiPenalties(logits);
        int next = config.temperature() == 0 ? argMax(logits) : sample(logits);
        if (chosen != null) {
            chosen[next]++;
        }
        return next;
    }

    /** Whether {@link #next} changes the logits it is given (a caller that reads them afterwards passes a copy). */
    boolean changesLogits() {
        return config.repetitionPenalty() != 1 || config.presencePenalty() != 0 || config.frequencyPenalty() != 0;
    }

    private int sample(float[] logits) {
        Integer[] order = candidates(logits);
        double[] probabilities = softmax(logits, order);
        int kept = nucleus(probabilities);
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probabilities[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < kept - 1; i++) {
            u -= probabilities[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    private void applyRepetitionPenalty(float[] logits, boolean[] seen) {
        float penalty = (float) config.repetitionPenalty();
        if (penalty == 1f) {
            return;
        }
        for (int i = 0; i < logits.length; i++) {
            if (seen[i]) {
                logits[i] = logits[i] < 0 ? logits[i] * penalty : logits[i] / penalty;
            }
        }
    }

    /** OpenAI's presence and frequency penalties over the tokens this sampler chose before. */
    private void applyOpenAiPenalties(float[] logits) {
        if (config.presencePenalty() == 0 && config.frequencyPenalty() == 0) {
            return;
        }
        if (chosen == null) {
            chosen = new int[logits.length];
        }
        for (int i = 0; i < logits.length; i++) {
            if (chosen[i] > 0) {
                logits[i] -= (float) (chosen[i] * config.frequencyPenalty() + config.presencePenalty());
            }
        }
    }

    static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Token ids ordered by falling logit, cut to the top k when k is set. */
    private Integer[] candidates(float[] logits) {
        Integer[] ids = new Integer[logits.length];
        Arrays.setAll(ids, i -> i);
        // Ties broken by id so the order, and hence a seeded draw, never depends on the sort.
        Arrays.sort(ids, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int k = config.topK() > 0 ? Math.min(config.topK(), ids.length) : ids.length;
        return Arrays.copyOf(ids, k);
    }

    private double[] softmax(float[] logits, Integer[] order) {
        double[] p = new double[order.length];
        double max = logits[order[0]] / config.temperature();
        double sum = 0;
        for (int i = 0; i < order.length; i++) {
            p[i] = Math.exp(logits[order[i]] / config.temperature() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** How many of the most likely tokens to keep: the fewest whose mass reaches top-p (at least one). */
    private int nucleus(double[] sortedProbabilities) {
        if (config.topP() >= 1) {
            return sortedProbabilities.length;
        }
        double mass = 0;
        for (int i = 0; i < sortedProbabilities.length; i++) {
            mass += sortedProbabilities[i];
            if (mass >= config.topP()) {
                return i + 1;
            }
        }
        return sortedProbabilities.length;
    }
}
