package io.github.tinyllama.generate;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to generate: the token budget, the sampling rule and when to stop.
 *
 * <p>A temperature of 0 means greedy decoding (argmax); above 0, tokens are sampled from the
 * softmax of {@code logits / temperature}, restricted to the {@code topK} most likely tokens
 * (0 = no limit) and to the smallest set whose probability reaches {@code topP} (1 = no limit).
 * The repetition penalty follows HF: logits of tokens already in the prompt or output are divided
 * by it when positive and multiplied when negative. The presence and frequency penalties follow OpenAI: a
 * token generated {@code c} times so far has {@code c * frequencyPenalty + (c > 0 ? presencePenalty : 0)}
 * subtracted from its logit (the prompt does not count). The same seed gives the same output.
 *
 * @param maxNewTokens most tokens to generate
 * @param temperature 0 for greedy, otherwise the sampling temperature
 * @param topK keep only the k most likely tokens (0 = off)
 * @param topP nucleus sampling threshold (1 = off)
 * @param repetitionPenalty penalty for tokens seen before (1 = off)
 * @param seed seed of the sampler's random numbers
 * @param stopStrings generation ends before the first occurrence of any of these
 * @param leftTruncate drop the start of a prompt that does not fit the context instead of failing
 * @param ignoreEos keep generating after end-of-sequence tokens (for benchmarks)
 * @param presencePenalty subtracted once from the logit of every token already generated (0 = off)
 * @param frequencyPenalty subtracted from a generated token's logit once per time it was generated (0 = off)
 * @param speculation prompt-lookup drafts checked in one pass ({@link Speculation#OFF} for none); the output is
 *     the same either way
 */
public record GenerationConfig(
        int maxNewTokens,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty,
        long seed,
        List<String> stopStrings,
        boolean leftTruncate,
        boolean ignoreEos,
        double presencePenalty,
        double frequencyPenalty,
        Speculation speculation) implements Serializable {

    /** Validates the values; each failure names the setting. */
    public GenerationConfig {
        stopStrings = List.copyOf(stopStrings);
        Objects.requireNonNull(speculation, "speculation (use Speculation.OFF for none)");
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must not be negative, found " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must not be negative, found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], found " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be a finite number > 0, found " + repetitionPenalty);
        }
        if (!Double.isFinite(presencePenalty)) {
            throw new IllegalArgumentException("presence penalty must be a finite number, found " + presencePenalty);
        }
        if (!Double.isFinite(frequencyPenalty)) {
            throw new IllegalArgumentException("frequency penalty must be a finite number, found " + frequencyPenalty);
        }
        for (String stop : stopStrings) {
            if (stop.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** The same settings with {@code extra} stop strings added to these. */
    public GenerationConfig withMoreStopStrings(List<String> extra) {
        List<String> all = new ArrayList<>(stopStrings);
        extra.stream().filter(s -> !all.contains(s)).forEach(all::add);
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, all, leftTruncate,
                ignoreEos, presencePenalty, frequencyPenalty, speculation);
    }

    /** The same settings with another seed. */
    public GenerationConfig withSeed(long newSeed) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, newSeed, stopStrings,
                leftTruncate, ignoreEos, presencePenalty, frequencyPenalty, speculation);
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return builder().optMaxNewTokens(maxNewTokens).build();
    }

    /** A builder starting from greedy decoding of 128 tokens. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link GenerationConfig}. */
    public static final class Builder {
        private int maxNewTokens = 128;
        private double temperature;
        private int topK;
        private double topP = 1;
        private double repetitionPenalty = 1;
        private long seed;
        private List<String> stopStrings = List.of();
        private boolean leftTruncate;
        private boolean ignoreEos;
        private double presencePenalty;
        private double frequencyPenalty;
        private Speculation speculation = Speculation.OFF;

        private Builder() {}

        /** Sets the most tokens to generate. */
        public Builder optMaxNewTokens(int value) {
            maxNewTokens = value;
            return this;
        }

        /** Sets the temperature; 0 means greedy. */
        public Builder optTemperature(double value) {
            temperature = value;
            return this;
        }

        /** Keeps only the k most likely tokens when sampling; 0 turns it off. */
        public Builder optTopK(int value) {
            topK = value;
            return this;
        }

        /** Sets the nucleus threshold; 1 turns it off. */
        public Builder optTopP(double value) {
            topP = value;
            return this;
        }

        /** Sets the repetition penalty; 1 turns it off. */
        public Builder optRepetitionPenalty(double value) {
            repetitionPenalty = value;
            return this;
        }

        /** Sets the sampler's seed. */
        public Builder optSeed(long value) {
            seed = value;
            return this;
        }

        /** Sets the stop strings. */
        public Builder optStopStrings(List<String> value) {
            stopStrings = value;
            return this;
        }

        /** Drops the start of an over-long prompt instead of failing. */
        public Builder optLeftTruncate(boolean value) {
            leftTruncate = value;
            return this;
        }

        /** Keeps generating after end-of-sequence tokens, as benchmarks need. */
        public Builder optIgnoreEos(boolean value) {
            ignoreEos = value;
            return this;
        }

        /** Sets OpenAI's presence penalty; 0 turns it off. */
        public Builder optPresencePenalty(double value) {
            presencePenalty = value;
            return this;
        }

        /** Sets OpenAI's frequency penalty; 0 turns it off. */
        public Builder optFrequencyPenalty(double value) {
            frequencyPenalty = value;
            return this;
        }

        /** Sets prompt-lookup speculation; {@link Speculation#OFF} (the default) decodes one token per pass. */
        public Builder optSpeculation(Speculation value) {
            speculation = value;
            return this;
        }

        /** Builds and validates the config. */
        public GenerationConfig build() {
            return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings,
                    leftTruncate, ignoreEos, presencePenalty, frequencyPenalty, speculation);
        }
    }
}
