package io.github.tinyllama.eval;

import ai.djl.util.Progress;

import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TokenScorer;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.generate.TokenScores;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Perplexity of a text by Hugging Face's sliding-window method for fixed-length models
 * ({@code docs/perplexity.md}): the whole text is encoded once, with BOS in front; windows of {@code window} tokens
 * start every {@code stride} tokens, and each token after the first is scored exactly once, in the first window
 * where it is a new target, given what precedes it inside that window. A smaller stride gives every scored token
 * more context, at more forward passes.
 */
public final class Perplexity {

    private final int window;
    private final int stride;
    private final int batchSize;
    private final Progress progress;

    private Perplexity(Builder builder) {
        this.window = builder.window;
        this.stride = builder.stride;
        this.batchSize = builder.batchSize;
        this.progress = builder.progress;
    }

    /** A builder: window and stride default to the model's context and half of it, one window per pass. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The perplexity of one text, scored in sliding windows.
     *
     * @param tokens the scored tokens (all but the first of the encoded text)
     * @param nll the mean negative log-likelihood per scored token, in nats
     * @param perplexity {@code exp(nll)}
     * @param bitsPerByte the total negative log-likelihood in bits over the UTF-8 bytes of the text
     * @param window the window, in tokens
     * @param stride the distance between window starts, in tokens
     * @param seconds the time spent scoring (not encoding)
     */
    public record Result(long tokens, double nll, double perplexity, double bitsPerByte, int window, int stride,
            double seconds) {

        /** Scored tokens per second. */
        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /**
     * One window of the encoded text: tokens {@code [begin, end)} go through the model, and those from
     * {@code begin + from} on are scored.
     *
     * @param begin the first token of the window
     * @param end one past its last token
     * @param from the index, inside the window, of its first scored token; at least 1
     */
    public record Window(int begin, int end, int from) {

        /** The tokens this window scores. */
        public int scored() {
            return end - begin - from;
        }
    }

    /**
     * The windows over a text of {@code length} tokens, as Hugging Face's loop makes them: windows start at
     * {@code 0, stride, 2 stride, ...}, each ends {@code window} tokens later (or at the end of the text), scores
     * the tokens after the previous window's end, and the last is the first that reaches the end of the text.
     *
     * @param length the encoded text's tokens, BOS included; at least 2
     * @param window the window; at least 2
     * @param stride the distance between window starts; 1 to {@code window - 1}, so that every window's first
     *     scored token has at least one token of context in it
     * @return the windows in order
     */
    public static List<Window> windows(int length, int window, int stride) {
        if (length < 2) {
            throw new IllegalArgumentException("the text has " + length + " token(s) with BOS: nothing to score");
        }
        checkShape(window, stride);
        List<Window> out = new ArrayList<>();
        int previousEnd = 0;
        for (int begin = 0; previousEnd < length; begin += stride) {
            int end = Math.min(begin + window, length);
            out.add(new Window(begin, end, Math.max(1, previousEnd - begin)));
            previousEnd = end;
        }
        return out;
    }

    private static void checkShape(int window, int stride) {
        if (window < 2) {
            throw new IllegalArgumentException("the window must be at least 2 tokens, not " + window);
        }
        if (stride < 1 || stride >= window) {
            throw new IllegalArgumentException("the stride must be 1 to " + (window - 1) + " (less than the window,"
                    + " so that each window's first new token has context), not " + stride);
        }
    }

    /**
     * Scores a text: encodes it once with BOS and runs the windows.
     *
     * @param llm the model and its tokenizer
     * @param text the text
     * @return the result
     * @throws IllegalArgumentException if the text encodes to no token, or the window exceeds the model's context
     */
    public Result evaluate(TinyLlama llm, String text) {
        long[] ids = llm.tokenizer().encode(text);
        return evaluate(llm.languageModel(), ids, text.getBytes(StandardCharsets.UTF_8).length);
    }

    /**
     * Scores already-encoded text.
     *
     * @param model the model
     * @param ids the encoded text, used as given (BOS included if the model expects it)
     * @param bytes the UTF-8 bytes of the text, for bits per byte
     * @return the result
     */
    public Result evaluate(LanguageModel model, long[] ids, long bytes) {
        int context = model.config().maxPositions();
        int w = window > 0 ? window : context;
        int s = stride > 0 ? stride : Math.max(1, w / 2);
        if (w > context) {
            throw new IllegalArgumentException("the window of " + w + " tokens exceeds the model's context of "
                    + context);
        }
        List<Window> windows = windows(ids.length, w, s);
        if (progress != null) {
            progress.reset("Scoring", ids.length - 1L);
        }
        long start = System.nanoTime();
        double total = 0;
        long scored = 0;
        TokenScorer scorer = model.scorer();
        for (int first = 0; first < windows.size(); first += batchSize) {
            List<Window> batch = windows.subList(first, Math.min(windows.size(), first + batchSize));
            List<long[]> sequences = new ArrayList<>(batch.size());
            int[] from = new int[batch.size()];
            for (int i = 0; i < batch.size(); i++) {
                Window win = batch.get(i);
                sequences.add(Arrays.copyOfRange(ids, win.begin(), win.end()));
                from[i] = win.from();
            }
            // Summed in window order whatever the batch size, so that batching cannot change the rounding.
            for (TokenScores scores : scorer.scoreBatch(sequences, from)) {
                total -= scores.sum();
                scored += scores.logprobs().length;
                if (progress != null) {
                    progress.increment(scores.logprobs().length);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (progress != null) {
            progress.end();
        }
        double nll = total / scored;
        return new Result(scored, nll, Math.exp(nll), total / Math.log(2) / bytes, w, s, seconds);
    }

    /** Builds a {@link Perplexity}. */
    public static final class Builder {

        private int window;
        private int stride;
        private int batchSize = 1;
        private Progress progress;

        private Builder() {}

        /**
         * Sets the window in tokens (default: the model's context).
         *
         * @param value at least 2, at most the model's context
         * @return this builder
         */
        public Builder optWindow(int value) {
            if (value < 2) {
                throw new IllegalArgumentException("the window must be at least 2 tokens, not " + value);
            }
            window = value;
            return this;
        }

        /**
         * Sets the distance between window starts (default: half the window).
         *
         * @param value 1 to the window less one
         * @return this builder
         */
        public Builder optStride(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("the stride must be at least 1 token, not " + value);
            }
            stride = value;
            return this;
        }

        /**
         * Sets how many windows go through the model in one pass (default 1); the result does not depend on it.
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder optBatchSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("the batch size must be at least 1, not " + value);
            }
            batchSize = value;
            return this;
        }

        /**
         * Sets a progress tracker, advanced by the tokens scored.
         *
         * @param value the tracker, or {@code null} for none
         * @return this builder
         */
        public Builder optProgress(Progress value) {
            progress = value;
            return this;
        }

        /** Builds it. */
        public Perplexity build() {
            return new Perplexity(this);
        }
    }
}
