package io.github.tinyllama.zoo;

import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.Speculation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads generation settings from DJL Criteria arguments ({@code optArgument}), falling back to the
 * checkpoint's {@code generation_config.json} and then to greedy decoding of 256 tokens.
 *
 * <p>Keys: {@code maxNewTokens}, {@code temperature}, {@code topK}, {@code topP},
 * {@code repetitionPenalty}, {@code seed}, {@code stop} (a list, or one string with stops
 * separated by {@code |}), {@code leftTruncate}, {@code speculate} ({@code none} or {@code ngram}, prompt-lookup
 * speculative decoding) with {@code speculateNgram} and {@code speculateTokens}. Values may be numbers or strings,
 * as they arrive from code, {@code serving.properties} or URL query strings.
 */
final class GenerationArguments {

    private static final int DEFAULT_MAX_NEW_TOKENS = 256;

    private GenerationArguments() {}

    static GenerationConfig read(Map<String, ?> arguments, GenerationDefaults defaults) {
        int maxNewTokens = defaults.maxNewTokens() > 0 ? defaults.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS;
        return GenerationConfig.builder()
                .optMaxNewTokens(integer(arguments, "maxNewTokens", maxNewTokens))
                .optTemperature(number(arguments, "temperature", defaults.doSample() ? defaults.temperature() : 0))
                .optTopK(integer(arguments, "topK", defaults.topK()))
                .optTopP(number(arguments, "topP", defaults.topP()))
                .optRepetitionPenalty(number(arguments, "repetitionPenalty", defaults.repetitionPenalty()))
                .optSeed((long) number(arguments, "seed", 0))
                .optStopStrings(stops(arguments.get("stop")))
                .optLeftTruncate(Boolean.parseBoolean(String.valueOf(arguments.get("leftTruncate"))))
                .optSpeculation(speculation(arguments))
                .build();
    }

    private static Speculation speculation(Map<String, ?> arguments) {
        Object value = arguments.get("speculate");
        String mode = value == null ? "none" : value.toString().trim();
        if (mode.equals("none")) {
            return Speculation.OFF;
        }
        if (!mode.equals("ngram")) {
            throw new IllegalArgumentException("argument speculate must be none or ngram, found '" + mode + "'");
        }
        return new Speculation(integer(arguments, "speculateNgram", Speculation.NGRAM.ngramSize()),
                integer(arguments, "speculateTokens", Speculation.NGRAM.draftTokens()));
    }

    private static double number(Map<String, ?> arguments, String key, double fallback) {
        Object value = arguments.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        try {
            return Double.parseDouble(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("argument " + key + " must be a number, found '" + value + "'", e);
        }
    }

    private static int integer(Map<String, ?> arguments, String key, int fallback) {
        double value = number(arguments, key, fallback);
        if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("argument " + key + " must be an integer, found " + arguments.get(key));
        }
        return (int) value;
    }

    private static List<String> stops(Object value) {
        List<String> stops = new ArrayList<>();
        if (value instanceof Iterable) {
            ((Iterable<?>) value).forEach(s -> stops.add(s.toString()));
        } else if (value != null) {
            for (String s : value.toString().split("\\|")) {
                if (!s.isEmpty()) {
                    stops.add(s);
                }
            }
        }
        return stops;
    }
}
