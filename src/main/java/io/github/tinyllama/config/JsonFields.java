package io.github.tinyllama.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.util.FileErrors;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Typed, located access to the fields of a JSON object read from a file, for error messages that name both. */
final class JsonFields {

    private final Path file;
    private final JsonObject json;
    /** Path of this object inside the file ("" at the top, "rope_scaling." inside that field). */
    private final String path;

    private JsonFields(Path file, JsonObject json, String path) {
        this.file = file;
        this.json = json;
        this.path = path;
    }

    static JsonFields read(Path file) throws ConfigException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement root = JsonParser.parseReader(reader);
            if (!root.isJsonObject()) {
                throw new ConfigException(file + ": expected a JSON object at the top level");
            }
            return new JsonFields(file, root.getAsJsonObject(), "");
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found", e);
        } catch (JsonParseException e) {
            throw new ConfigException(file + ": " + FileErrors.jsonReason(file, e), e);
        } catch (IOException e) {
            throw new ConfigException(file + ": " + FileErrors.reason(file, e), e);
        }
    }

    boolean has(String field) {
        JsonElement e = json.get(field);
        return e != null && !e.isJsonNull();
    }

    int requireInt(String field) throws ConfigException {
        if (!has(field)) {
            throw error(field, "is missing");
        }
        return intValue(field);
    }

    int optInt(String field, int fallback) throws ConfigException {
        return has(field) ? intValue(field) : fallback;
    }

    double optDouble(String field, double fallback) throws ConfigException {
        if (!has(field)) {
            return fallback;
        }
        JsonElement e = json.get(field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw error(field, "must be a number, found " + e);
        }
        return e.getAsDouble();
    }

    boolean optBoolean(String field, boolean fallback) throws ConfigException {
        if (!has(field)) {
            return fallback;
        }
        JsonElement e = json.get(field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw error(field, "must be true or false, found " + e);
        }
        return e.getAsBoolean();
    }

    String optString(String field, String fallback) throws ConfigException {
        if (!has(field)) {
            return fallback;
        }
        JsonElement e = json.get(field);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw error(field, "must be a string, found " + e);
        }
        return e.getAsString();
    }

    /** Reads a field that may be a single integer or a list of integers (as HF allows for eos_token_id). */
    List<Integer> optIntList(String field) throws ConfigException {
        List<Integer> values = new ArrayList<>();
        if (!has(field)) {
            return values;
        }
        JsonElement e = json.get(field);
        JsonArray items = new JsonArray();
        if (e.isJsonArray()) {
            items = e.getAsJsonArray();
        } else {
            items.add(e);
        }
        for (JsonElement item : items) {
            values.add(intValue(field, item, "an integer or a list of integers"));
        }
        if (values.isEmpty()) {
            throw error(field, "must name at least one id");
        }
        return values;
    }

    JsonFields optObject(String field) throws ConfigException {
        if (!has(field)) {
            return null;
        }
        JsonElement e = json.get(field);
        if (!e.isJsonObject()) {
            throw error(field, "must be a JSON object or null, found " + e);
        }
        return new JsonFields(file, e.getAsJsonObject(), path + field + ".");
    }

    ConfigException error(String field, String problem) {
        return new ConfigException(file + ": field '" + path + field + "' " + problem);
    }

    private int intValue(String field) throws ConfigException {
        return intValue(field, json.get(field), "an integer");
    }

    private int intValue(String field, JsonElement e, String expected) throws ConfigException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw error(field, "must be " + expected + ", found " + e);
        }
        double d = e.getAsDouble();
        if (d != Math.rint(d) || d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
            throw error(field, "must be " + expected + ", found " + e);
        }
        return (int) d;
    }
}
