package io.github.tinyllama.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;

/** JSON output helpers shared by the commands. */
final class Json {

    /** Strict: a NaN or infinity is an error here rather than invalid JSON in a file or on standard output. */
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setStrictness(Strictness.STRICT).create();
    private static final Gson WITH_NULLS = new GsonBuilder().disableHtmlEscaping().setStrictness(Strictness.STRICT)
            .serializeNulls().create();

    private Json() {}

    static String write(JsonElement element) {
        return GSON.toJson(element);
    }

    /** Writes {@code null} members too, for outputs whose fields are always present. */
    static String writeWithNulls(JsonElement element) {
        return WITH_NULLS.toJson(element);
    }

    static JsonArray ids(long[] ids) {
        JsonArray array = new JsonArray();
        for (long id : ids) {
            array.add(id);
        }
        return array;
    }

    /** Numbers, with NaN and infinities written as {@code null} (JSON has neither). */
    static JsonArray numbers(double[] values) {
        JsonArray array = new JsonArray();
        for (double v : values) {
            array.add(number(v));
        }
        return array;
    }

    /** A number, or {@code null} for NaN and infinities (JSON has neither). */
    static JsonElement number(double value) {
        return Double.isFinite(value) ? new JsonPrimitive(value) : JsonNull.INSTANCE;
    }
}
