/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import io.github.tinyllama.data.parquet.Schema.Column;
import io.github.tinyllama.data.parquet.Schema.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rows rebuilt from decoded columns (Dremel record assembly): each column's part of every row, merged into
 * one physical tree per row, then read as the logical value with {@code LIST} and {@code MAP} groups as arrays.
 */
public final class RecordAssembly {
    private RecordAssembly() {}

    /**
     * Rebuilds one leaf column's part of each row from its levels, following the physical schema: every group
     * an object, every repeated node an array. A repetition level of 0 starts a row; a level {@code r} starts a
     * new item in the repeated node at level {@code r} (and in every deeper one) and continues the last item of
     * the shallower ones. A definition level below a node's means the node is null (an empty array if it is
     * repeated) and nothing under it is there.
     */
    public static List<JsonObject> assemble(Column column, Levels levels) {
        List<JsonObject> rows = new ArrayList<>();
        List<Node> path = column.path();
        int next = 0;
        for (int i = 0; i < levels.def().length; i++) {
            int r = levels.rep()[i];
            int d = levels.def()[i];
            if (r == 0) {
                rows.add(new JsonObject());
            } else if (rows.isEmpty()) {
                throw new IllegalStateException("the first value has repetition level " + r);
            }
            JsonObject parent = rows.get(rows.size() - 1);
            for (int k = 0; k < path.size(); k++) {
                Node node = path.get(k);
                boolean leaf = k == path.size() - 1;
                if (node.isRepeated()) {
                    JsonArray items = parent.has(node.name()) ? parent.getAsJsonArray(node.name()) : new JsonArray();
                    parent.add(node.name(), items);
                    if (d < column.def()[k]) {
                        break;
                    }
                    if (column.rep()[k] >= r || items.isEmpty()) {
                        items.add(leaf ? levels.values()[next++] : new JsonObject());
                    }
                    if (leaf) {
                        break;
                    }
                    parent = items.get(items.size() - 1).getAsJsonObject();
                } else {
                    if (d < column.def()[k]) {
                        parent.add(node.name(), JsonNull.INSTANCE);
                        break;
                    }
                    if (leaf) {
                        parent.add(node.name(), levels.values()[next++]);
                        break;
                    }
                    JsonObject child = parent.has(node.name()) ? parent.getAsJsonObject(node.name()) : new JsonObject();
                    parent.add(node.name(), child);
                    parent = child;
                }
            }
        }
        return rows;
    }

    /** Adds one column's part of a row to the parts of the columns before it: objects by key, arrays item by item. */
    public static void merge(JsonObject into, JsonObject part) {
        for (Map.Entry<String, JsonElement> e : part.entrySet()) {
            JsonElement there = into.get(e.getKey());
            if (there == null) {
                into.add(e.getKey(), e.getValue());
            } else {
                mergeValues(there, e.getValue());
            }
        }
    }

    private static void mergeValues(JsonElement there, JsonElement part) {
        if (there.isJsonObject() && part.isJsonObject()) {
            merge(there.getAsJsonObject(), part.getAsJsonObject());
        } else if (there.isJsonArray() && part.isJsonArray()) {
            JsonArray a = there.getAsJsonArray();
            JsonArray b = part.getAsJsonArray();
            if (a.size() != b.size()) {
                throw new IllegalStateException("the columns of one repeated group hold " + a.size() + " and "
                        + b.size() + " items in the same row");
            }
            for (int i = 0; i < a.size(); i++) {
                mergeValues(a.get(i), b.get(i));
            }
        } else if (!(there.isJsonNull() && part.isJsonNull())) {
            throw new IllegalStateException("the columns of one group disagree on whether it is null");
        }
    }

    /** The logical value of a group's fields: the physical tree with {@code LIST} and {@code MAP} groups as arrays. */
    public static JsonObject fieldsOf(JsonObject raw, Node group) {
        JsonObject out = new JsonObject();
        for (Node child : group.children()) {
            JsonElement value = raw.get(child.name());
            if (value == null || value.isJsonNull()) {
                out.add(child.name(), child.isRepeated() ? new JsonArray() : JsonNull.INSTANCE);
            } else if (child.isRepeated()) {
                JsonArray items = new JsonArray();
                for (JsonElement item : value.getAsJsonArray()) {
                    items.add(valueOf(item, child));
                }
                out.add(child.name(), items);
            } else {
                out.add(child.name(), valueOf(value, child));
            }
        }
        return out;
    }

    private static JsonElement valueOf(JsonElement raw, Node node) {
        if (raw.isJsonNull() || node.isLeaf()) {
            return raw;
        }
        if (!node.isList() || node.children().size() != 1 || !node.children().get(0).isRepeated()) {
            return fieldsOf(raw.getAsJsonObject(), node);
        }
        // The backward-compatibility rules of the Parquet spec's LogicalTypes.md: the repeated node is the
        // element when it is a leaf, has several fields, or is named "array" or "<list>_tuple"; otherwise its
        // one field is.
        Node repeated = node.children().get(0);
        boolean repeatedIsElement = repeated.isLeaf() || repeated.children().size() > 1
                || repeated.name().equals("array") || repeated.name().equals(node.name() + "_tuple");
        JsonArray out = new JsonArray();
        JsonElement items = raw.getAsJsonObject().get(repeated.name());
        if (items != null) {
            for (JsonElement item : items.getAsJsonArray()) {
                if (repeatedIsElement) {
                    out.add(valueOf(item, repeated));
                } else {
                    Node element = repeated.children().get(0);
                    JsonElement value = item.getAsJsonObject().get(element.name());
                    out.add(value == null ? JsonNull.INSTANCE : valueOf(value, element));
                }
            }
        }
        return out;
    }
}
