/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Dotted paths into JSON objects: {@code meta.redpajama_set_name}. A key that itself has a dot is matched whole first. */
final class JsonPath {

    private JsonPath() {}

    /**
     * Returns the element at a dotted path.
     *
     * @param object the record
     * @param path a key, or keys joined by dots
     * @return the element, or null when some step is missing or not an object
     */
    static JsonElement get(JsonObject object, String path) {
        JsonElement whole = object.get(path);
        if (whole != null) {
            return whole;
        }
        int dot = path.indexOf('.');
        while (dot > 0) {
            JsonElement head = object.get(path.substring(0, dot));
            if (head != null && head.isJsonObject()) {
                JsonElement rest = get(head.getAsJsonObject(), path.substring(dot + 1));
                if (rest != null) {
                    return rest;
                }
            }
            dot = path.indexOf('.', dot + 1);
        }
        return null;
    }
}
