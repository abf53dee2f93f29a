package io.github.tinyllama.train;

import com.google.gson.JsonObject;

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
 */
public record StepMetrics(int step, double loss, double lr, double gradNorm, long tokens, double tokensPerSecond,
        double mfu) {

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
        return o;
    }

    /** Reads a metrics line written by {@link #toJson()}. */
    public static StepMetrics fromJson(JsonObject o) {
        return new StepMetrics(o.get("step").getAsInt(), o.get("loss").getAsDouble(), o.get("lr").getAsDouble(),
                o.get("grad_norm").getAsDouble(), o.get("tokens").getAsLong(),
                o.get("tokens_per_second").getAsDouble(), o.get("mfu").getAsDouble());
    }
}
