/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * A condition on a record's field: {@code FIELD=VALUE} keeps records whose field is that string,
 * {@code FIELD!=VALUE} drops them. {@code FIELD} may be a dotted path into nested objects, such as
 * {@code meta.redpajama_set_name}. A missing field (or JSON null) is no value: it never equals
 * {@code VALUE}, so {@code FIELD!=VALUE} keeps the record and {@code FIELD=VALUE} drops it. Non-string
 * values are compared by their JSON text ({@code 3}, {@code true}).
 *
 * @param field the dotted path
 * @param value the value compared with
 * @param negated true for {@code !=}
 */
public record FieldFilter(String field, String value, boolean negated) {

    /**
     * Parses {@code FIELD!=VALUE} or {@code FIELD=VALUE}.
     *
     * @param spec the text
     * @return the filter
     * @throws IllegalArgumentException with a message showing the expected form
     */
    public static FieldFilter parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("invalid filter '" + spec + "': expected FIELD=VALUE or FIELD!=VALUE");
        }
        boolean negated = spec.charAt(eq - 1) == '!';
        String field = spec.substring(0, negated ? eq - 1 : eq).strip();
        if (field.isEmpty() || field.startsWith(".") || field.endsWith(".") || field.contains("..")) {
            throw new IllegalArgumentException("invalid filter '" + spec + "': the field must be a name or a dotted path");
        }
        return new FieldFilter(field, spec.substring(eq + 1), negated);
    }

    /**
     * Says whether a record passes.
     *
     * @param fieldValue the field's value as text, or null when the record has none
     * @return true to keep the record
     */
    public boolean keeps(String fieldValue) {
        boolean equal = value.equals(fieldValue);
        return negated != equal;
    }

    /**
     * Says whether a JSON record passes.
     *
     * @param record the record
     * @return true to keep it
     */
    public boolean keeps(JsonObject record) {
        JsonElement e = JsonPath.get(record, field);
        String text = e == null || e.isJsonNull() ? null : e.isJsonPrimitive() ? e.getAsString() : e.toString();
        return keeps(text);
    }

    @Override
    public String toString() {
        return field + (negated ? "!=" : "=") + value;
    }
}
