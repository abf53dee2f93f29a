package io.github.tinyllama.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a request body's fields: a field of the wrong type or out of range is a 400 naming it.
 * Fields the server does not know are ignored, as clients send many optional ones.
 */
final class RequestFields {

    private final JsonObject body;

    private RequestFields(JsonObject body) {
        this.body = body;
    }

    static RequestFields parse(String text) throws ApiException {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw ApiException.invalid(null, "We could not parse the JSON body of your request: " + e.getMessage());
        }
        if (!parsed.isJsonObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        return new RequestFields(parsed.getAsJsonObject());
    }

    JsonElement get(String name) {
        JsonElement e = body.get(name);
        return e == null || e.isJsonNull() ? null : e;
    }

    String string(String name, String fallback) throws ApiException {
        JsonElement e = get(name);
        if (e == null) {
            return fallback;
        }
        if (!isString(e)) {
            throw ApiException.invalid(name, "'" + name + "' must be a string, not " + e);
        }
        return e.getAsString();
    }

    boolean bool(String name, boolean fallback) throws ApiException {
        JsonElement e = get(name);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw ApiException.invalid(name, "'" + name + "' must be a boolean, not " + e);
        }
        return e.getAsBoolean();
    }

    double number(String name, double fallback, double min, double max) throws ApiException {
        JsonElement e = get(name);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiException.invalid(name, "'" + name + "' must be a number, not " + e);
        }
        double v = e.getAsDouble();
        if (!(v >= min && v <= max)) {
            throw ApiException.invalid(name, "'" + name + "' must be between " + min + " and " + max + ", not " + v);
        }
        return v;
    }

    /** An integer field; {@code null} when absent. */
    Long integer(String name, long min, long max) throws ApiException {
        JsonElement e = get(name);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiException.invalid(name, "'" + name + "' must be an integer, not " + e);
        }
        double v = e.getAsDouble();
        if (v != Math.rint(v) || v < min || v > max) {
            throw ApiException.invalid(name, "'" + name + "' must be an integer from " + min + " to " + max
                    + ", not " + e);
        }
        return e.getAsLong();
    }

    /** {@code stop}: a string or an array of up to four strings. */
    List<String> stop() throws ApiException {
        JsonElement e = get("stop");
        List<String> out = new ArrayList<>();
        if (e == null) {
            return out;
        }
        if (isString(e)) {
            out.add(e.getAsString());
        } else if (e.isJsonArray() && e.getAsJsonArray().size() <= 4) {
            for (JsonElement s : e.getAsJsonArray()) {
                if (!isString(s)) {
                    throw ApiException.invalid("stop", "'stop' must be a string or an array of strings, not " + e);
                }
                out.add(s.getAsString());
            }
        } else {
            throw ApiException.invalid("stop", "'stop' must be a string or an array of up to 4 strings, not " + e);
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("stop", "'stop' strings must not be empty");
        }
        return out;
    }

    /** The completions {@code prompt}: a string, or an array holding one string. */
    String prompt() throws ApiException {
        JsonElement e = get("prompt");
        if (e != null && isString(e)) {
            return e.getAsString();
        }
        if (e != null && e.isJsonArray() && e.getAsJsonArray().size() == 1 && isString(e.getAsJsonArray().get(0))) {
            return e.getAsJsonArray().get(0).getAsString();
        }
        throw ApiException.invalid("prompt", e == null ? "'prompt' is required"
                : "'prompt' must be a string (or an array of one string), not " + e);
    }

    JsonArray array(String name) throws ApiException {
        JsonElement e = get(name);
        if (e == null || !e.isJsonArray()) {
            throw ApiException.invalid(name, "'" + name + "' must be an array" + (e == null ? "" : ", not " + e));
        }
        return e.getAsJsonArray();
    }

    static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && ((JsonPrimitive) e).isString();
    }
}
