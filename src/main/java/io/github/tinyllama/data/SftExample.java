package io.github.tinyllama.data;

/**
 * A fine-tuning example as tokens: the ids the model reads, and which of them it is trained to
 * predict.
 *
 * <p>Inputs are {@code ids[0..n-2]} and targets {@code ids[1..n-1]}: the loss at input position
 * {@code t} counts when {@code trained[t + 1]}. {@code trained[0]} (BOS) is always false.
 *
 * @param ids the token ids, BOS first
 * @param trained per token, whether predicting it counts in the loss
 * @param truncated whether the example was cut to the maximum sequence length
 */
public record SftExample(long[] ids, boolean[] trained, boolean truncated) {

    /** Validates the lengths. */
    public SftExample {
        if (ids.length != trained.length || ids.length < 2) {
            throw new IllegalArgumentException("need at least two ids and one flag per id");
        }
    }

    /** Number of target tokens the loss counts. */
    public int trainedTokens() {
        int count = 0;
        for (boolean t : trained) {
            count += t ? 1 : 0;
        }
        return count;
    }

    /** Number of input positions: the ids less one. */
    public int length() {
        return ids.length - 1;
    }
}
