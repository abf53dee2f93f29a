package io.github.tinyllama.train;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one optimizer step measured; {@link #toJson()} is the line the {@code --metrics} file gets.
 *
 * @param step the optimizer step, 1-based (the number of updates applied after it)
 * @param loss mean next-token cross-entropy over the step's target tokens
 * @param lr the learning rate used
 * @param gradNorm the global gradient norm before clipping
 * @param tokens target tokens seen so far, this step included
 * @param tokensPerSecond this step's throughput
 * @param mfu model FLOPs utilisation against the measured matrix-multiply peak (0 when unknown)
 * @param stage the plan stage the step belongs to, or {@code null} outside a plan
 * @param mixture each prefix's share of the data at the step's first block (empty outside a plan)
 */
public record StepMetrics(int step, double loss, double lr, double gradNorm, long tokens, double tokensPerSecond,
        double mfu, String stage, Map<String, Double> mixture) {

    /** Keeps the mixture's order. */
    public StepMetrics {
        mixture = Collections.unmodifiableMap(new LinkedHashMap<>(mixture));
    }

    /** A step of a single-stage run. */
    public StepMetrics(int step, double loss, double lr, double gradNorm, long tokens, double tokensPerSecond,
            double mfu) {
        this(step, loss, lr, gradNorm, tokens, tokensPerSecond, mfu, null, Map.of());
    }

    /** The same step, labelled with its plan stage and the mixture in effect. */
    public StepMetrics inStage(String stageName, Map<String, Double> shares) {
        return new StepMetrics(step, loss, lr, gradNorm, tokens, tokensPerSecond, mfu, stageName, shares);
    }

    /** The JSON object of one metrics line. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("step", step);
        o.addProperty("loss", loss);
        o.addProperty("lr", lr);
        o.addProperty("grad_norm", gradNorm);
        o.addProperty("tokens", tokens);
        o.addProperty("tokens_per_second", tokensPerSecond);
        o.addProperty("mfu", mfu);
        if (stage != null) {
            o.addProperty("stage", stage);
            JsonObject shares = new JsonObject();
            mixture.forEach(shares::addProperty);
            o.add("mixture", shares);
        }
        return o;
    }

    /** Reads a metrics line written by {@link #toJson()}. */
    public static StepMetrics fromJson(JsonObject o) {
        Map<String, Double> shares = new LinkedHashMap<>();
        if (o.has("mixture")) {
            o.getAsJsonObject("mixture").entrySet().forEach(e -> shares.put(e.getKey(), e.getValue().getAsDouble()));
        }
        return new StepMetrics(o.get("step").getAsInt(), o.get("loss").getAsDouble(), o.get("lr").getAsDouble(),
                o.get("grad_norm").getAsDouble(), o.get("tokens").getAsLong(),
                o.get("tokens_per_second").getAsDouble(), o.get("mfu").getAsDouble(),
                o.has("stage") ? o.get("stage").getAsString() : null, shares);
    }
}
