package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Next-token cross-entropy weighted per position, the loss DJL lacks (it has no ignore index):
 * {@code -Σ w[b,t] · log softmax(logits[b,t])[target[b,t]]}.
 *
 * <p>Labels are {@code [targets [B, T] int64, weights [B, T] float32]}; predictions {@code [logits [B, T, V]]}.
 * A weight of 0 leaves a position out (prompt or padding); weights of {@code 1 / N} over the
 * {@code N} counted tokens of a whole optimizer step make the micro-batch losses add up to the
 * step's mean, however the tokens are spread over micro-batches.
 */
public final class MaskedNextTokenLoss extends Loss {

    /** Creates the loss. */
    public MaskedNextTokenLoss() {
        super("masked_next_token");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.singletonOrThrow();
        NDArray targets = labels.get(0).expandDims(-1);
        NDArray weights = labels.get(1);
        NDArray logProbabilities = logits.logSoftmax(-1).gather(targets, -1).squeeze(-1);
        return logProbabilities.mul(weights).sum().neg();
    }
}
