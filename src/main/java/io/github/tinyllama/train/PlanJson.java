package io.github.tinyllama.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.github.tinyllama.config.ConfigException;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JSON value of a plan file with its JSON path ({@code $.stages[1].lr.max}), so every error
 * names the file and the exact place at fault. Objects refuse keys they do not know, which turns a
 * misspelt field into an error instead of a silently ignored setting.
 *
 * @param file the file the value came from
 * @param path the value's JSON path
 * @param value the value
 */
record PlanJson(Path file, String path, JsonElement value) {

    /** Reads a file whose top level must be an object. */
    static PlanJson read(Path file) throws ConfigException {
        try {
            return parse(file, Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Parses text that came from {@code file}. */
    static PlanJson parse(Path file, String text) throws ConfigException {
        try {
            PlanJson root = new PlanJson(file, "$", JsonParser.parseString(text));
            root.object(Set.of());
            return root;
        } catch (JsonParseException e) {
            throw new ConfigException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** An error at this value. */
    ConfigException error(String problem) {
        return new ConfigException(file + ": " + path + ": " + problem);
    }

    /**
     * Checks this is an object holding only {@code allowed} keys ({@code Set.of()} allows any).
     *
     * @return this
     */
    PlanJson object(Set<String> allowed) throws ConfigException {
        if (!value.isJsonObject()) {
            throw error("must be a JSON object, found " + value);
        }
        if (!allowed.isEmpty()) {
            for (String key : value.getAsJsonObject().keySet()) {
                if (!allowed.contains(key)) {
                    throw at(key).error("unknown field (known: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }
        return this;
    }

    boolean has(String key) {
        JsonElement e = value.getAsJsonObject().get(key);
        return e != null && !e.isJsonNull();
    }

    /** The member {@code key} of this object (possibly JSON null when absent). */
    PlanJson at(String key) {
        JsonElement e = value.getAsJsonObject().get(key);
        return new PlanJson(file, path + "." + key, e == null ? JsonNull.INSTANCE : e);
    }

    /** The members of this object, in file order. */
    List<Map.Entry<String, PlanJson>> members() {
        List<Map.Entry<String, PlanJson>> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            out.add(Map.entry(e.getKey(), at(e.getKey())));
        }
        return out;
    }

    /** The elements of this array. */
    List<PlanJson> elements() throws ConfigException {
        if (!value.isJsonArray()) {
            throw error("must be a JSON array, found " + value);
        }
        List<PlanJson> out = new ArrayList<>();
        for (int i = 0; i < value.getAsJsonArray().size(); i++) {
            out.add(new PlanJson(file, path + "[" + i + "]", value.getAsJsonArray().get(i)));
        }
        return out;
    }

    boolean isString() {
        return value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
    }

    String string() throws ConfigException {
        if (!isString()) {
            throw error("must be a string, found " + value);
        }
        return value.getAsString();
    }

    double number() throws ConfigException {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw error("must be a number, found " + value);
        }
        double d = value.getAsDouble();
        if (!Double.isFinite(d)) {
            throw error("must be finite, found " + value);
        }
        return d;
    }

    /** A whole number, written plainly or in exponent form ({@code 1.5e12}). */
    long wholeNumber() throws ConfigException {
        number();
        try {
            return new BigDecimal(((JsonPrimitive) value).getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw error("must be a whole number, found " + value);
        }
    }

    /** A whole number in {@code [min, max]}. */
    long wholeNumber(long min, long max) throws ConfigException {
        long n = wholeNumber();
        if (n < min || n > max) {
            throw error("must be between " + min + " and " + max + ", found " + value);
        }
        return n;
    }
}
