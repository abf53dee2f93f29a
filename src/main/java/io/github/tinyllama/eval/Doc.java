package io.github.tinyllama.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One record of a data set, with where it came from so a bad field is reported by file and line (or row).
 *
 * @param fields the record's fields, as published
 * @param file the file it was read from
 * @param line its 1-based line in that file, or its 1-based row in a Parquet file
 */
public record Doc(JsonObject fields, Path file, int line) {

    /** An error about this record. */
    public DataException error(String message) {
        return new DataException(file, line, message);
    }

    private JsonElement field(String name) throws DataException {
        JsonElement e = fields.get(name);
        if (e == null || e.isJsonNull()) {
            throw error("field '" + name + "' is missing");
        }
        return e;
    }

    /** A string field. */
    public String string(String name) throws DataException {
        JsonElement e = field(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw error("field '" + name + "' must be a string, not " + e);
        }
        return e.getAsString();
    }

    /** An integer field, written as a number or as a string of digits (HellaSwag writes labels as strings). */
    public int integer(String name) throws DataException {
        JsonElement e = field(name);
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            try {
                if (p.isNumber()) {
                    double d = p.getAsDouble();
                    if (d == Math.rint(d)) {
                        return (int) d;
                    }
                } else if (p.isString()) {
                    return Integer.parseInt(p.getAsString().strip());
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw error("field '" + name + "' must be an integer, not " + e);
    }

    /** A boolean field, also accepted as 0/1 (BoolQ's {@code label}) or {@code true}/{@code false}. */
    public int booleanAsInt(String name) throws DataException {
        JsonElement e = field(name);
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean() ? 1 : 0;
        }
        return integer(name);
    }

    /** An array of strings, at {@code name} or at {@code name.sub} for a nested object. */
    public List<String> strings(String name) throws DataException {
        JsonElement e;
        int dot = name.indexOf('.');
        if (dot < 0) {
            e = field(name);
        } else {
            JsonElement outer = field(name.substring(0, dot));
            if (!outer.isJsonObject()) {
                throw error("field '" + name.substring(0, dot) + "' must be an object, not " + outer);
            }
            e = outer.getAsJsonObject().get(name.substring(dot + 1));
            if (e == null || e.isJsonNull()) {
                throw error("field '" + name + "' is missing");
            }
        }
        if (!e.isJsonArray()) {
            throw error("field '" + name + "' must be an array of strings, not " + e);
        }
        JsonArray array = e.getAsJsonArray();
        List<String> out = new ArrayList<>(array.size());
        for (JsonElement item : array) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                throw error("field '" + name + "' must be an array of strings; it holds " + item);
            }
            out.add(item.getAsString());
        }
        return out;
    }
}
