package io.github.tinyllama.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;

/** Reads the committed golden values of a {@link Fixtures} checkpoint. */
public final class Goldens {

    private Goldens() {}

    /** The golden JSON: {@code ids}, {@code nll}, {@code prompt}, {@code greedy}, {@code logits_last}. */
    public static JsonObject of(Fixtures fixture) throws IOException {
        try (Reader r = new InputStreamReader(
                Goldens.class.getResourceAsStream(fixture.golden()), StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    /** An integer array field. */
    public static long[] longs(JsonObject o, String field) {
        return o.getAsJsonArray(field).asList().stream().mapToLong(e -> e.getAsLong()).toArray();
    }

    /** A number array field. */
    public static double[] doubles(JsonObject o, String field) {
        return o.getAsJsonArray(field).asList().stream().mapToDouble(e -> e.getAsDouble()).toArray();
    }
}
