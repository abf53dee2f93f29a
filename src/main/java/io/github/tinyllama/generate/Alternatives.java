package io.github.tinyllama.generate;

/**
 * The most likely tokens at one position, most likely first, with their log-probabilities under the model.
 *
 * @param ids token ids
 * @param logprobs their log-probabilities, in the same order
 */
public record Alternatives(long[] ids, double[] logprobs) {
    /** No alternatives. */
    public static final Alternatives NONE = new Alternatives(new long[0], new double[0]);

    /** The {@code count} largest of {@code logits} (ties: the lower id first), as log-probabilities. */
    static Alternatives of(float[] logits, double logSum, int count) {
        int n = Math.min(count, logits.length);
        if (n <= 0) {
            return NONE;
        }
        int[] best = new int[n];
        int held = 0;
        for (int i = 0; i < logits.length; i++) {
            if (held == n && logits[i] <= logits[best[n - 1]]) {
                continue;
            }
            int at = held < n ? held++ : n - 1;
            // Insertion into a short sorted list: n is at most 20, the vocabulary is scanned once.
            while (at > 0 && logits[best[at - 1]] < logits[i]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        long[] ids = new long[n];
        double[] values = new double[n];
        for (int k = 0; k < n; k++) {
            ids[k] = best[k];
            values[k] = logits[best[k]] - logSum;
        }
        return new Alternatives(ids, values);
    }

    /** The log of the sum of the exponentials of {@code logits}, in double precision. */
    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }
}
