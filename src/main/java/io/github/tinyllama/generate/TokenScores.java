package io.github.tinyllama.generate;

import java.util.Arrays;

/**
 * Log-probabilities of given tokens, as lm-evaluation-harness scores a continuation.
 *
 * @param logprobs {@code log P(token | everything before it)} for each scored token
 * @param greedy whether every scored token is the model's most likely choice at its position
 */
public record TokenScores(double[] logprobs, boolean greedy) {

    /** Scores of a run of positions, from which a caller keeps the ones it asked about. */
    record PerPosition(double[] logprobs, boolean[] best) {
        TokenScores from(int start) {
            boolean greedy = true;
            for (int i = start; i < best.length; i++) {
                greedy &= best[i];
            }
            return new TokenScores(Arrays.copyOfRange(logprobs, start, logprobs.length), greedy);
        }
    }

    /** These scores, then those of the tokens that come after them. */
    TokenScores followedBy(TokenScores next) {
        double[] both = Arrays.copyOf(logprobs, logprobs.length + next.logprobs.length);
        System.arraycopy(next.logprobs, 0, both, logprobs.length, next.logprobs.length);
        return new TokenScores(both, greedy && next.greedy);
    }

    /** The sum of the log-probabilities: the log-likelihood of the scored tokens together. */
    public double sum() {
        double total = 0;
        for (double lp : logprobs) {
            total += lp;
        }
        return total;
    }
}
