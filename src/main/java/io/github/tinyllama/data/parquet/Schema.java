/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import static io.github.tinyllama.data.parquet.ParquetThrift.FieldRepetitionType.REPEATED;
import static io.github.tinyllama.data.parquet.ParquetThrift.FieldRepetitionType.REQUIRED;

import io.github.tinyllama.data.parquet.ParquetThrift.ConvertedType;
import io.github.tinyllama.data.parquet.ParquetThrift.LogicalType;
import io.github.tinyllama.data.parquet.ParquetThrift.SchemaElement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A file's schema: the tree of {@link Node}s the footer lists depth-first, and its leaf {@link Column}s with the
 * definition and repetition levels at which each node on their path is present.
 *
 * @param root the unnamed root group
 * @param columns the leaf columns by dotted name, in schema order
 */
public record Schema(Node root, Map<String, Column> columns) {

    /**
     * A node of the schema tree.
     *
     * @param name its name
     * @param repetition {@code REQUIRED}, {@code OPTIONAL} or {@code REPEATED}
     * @param type the physical type of a leaf, -1 for a group
     * @param isList whether the group is annotated {@code LIST} or {@code MAP}: its repeated child holds the items
     * @param children a group's fields
     */
    public record Node(String name, int repetition, int type, boolean isList, List<Node> children) {
        /** Whether this is a leaf (a column) rather than a group. */
        public boolean isLeaf() {
            return type >= 0;
        }

        /** Whether this node may occur any number of times. */
        public boolean isRepeated() {
            return repetition == REPEATED;
        }
    }

    /**
     * A leaf column with the nodes from the top-level field down to it.
     *
     * @param name the dotted path
     * @param path the nodes, top-level field first
     * @param def for each node, the definition level at which it is present
     * @param rep for each node, its repetition level (the number of repeated nodes down to it)
     */
    public record Column(String name, List<Node> path, int[] def, int[] rep) {
        /** The leaf node itself. */
        public Node leaf() {
            return path.get(path.size() - 1);
        }

        /** The definition level of an entry whose value is present. */
        public int maxDef() {
            return def[def.length - 1];
        }

        /** The repetition level of the deepest repeated node, 0 for a flat column. */
        public int maxRep() {
            return rep[rep.length - 1];
        }
    }

    /**
     * Builds the schema from the footer's {@code SchemaElement} list.
     *
     * @throws IllegalStateException if the list is empty or not a well-formed tree
     */
    public static Schema of(List<ThriftStruct> elements) {
        if (elements.isEmpty()) {
            throw new IllegalStateException("the Parquet footer has no schema");
        }
        int[] next = {1};
        Node root = new Node("", REQUIRED, -1, false,
                children(elements, next, elements.get(0).i32(SchemaElement.NUM_CHILDREN, 0)));
        Map<String, Column> columns = new LinkedHashMap<>();
        for (Node field : root.children()) {
            addColumns(new ArrayList<>(List.of(field)), columns);
        }
        return new Schema(root, columns);
    }

    /** Reads {@code count} schema elements from the depth-first list, each with its subtree. */
    private static List<Node> children(List<ThriftStruct> schema, int[] next, int count) {
        List<Node> out = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
            ThriftStruct e = schema.get(next[0]++);
            String name = e.string(SchemaElement.NAME);
            int repetition = e.i32(SchemaElement.REPETITION_TYPE, REQUIRED);
            int n = e.i32(SchemaElement.NUM_CHILDREN, 0);
            if (n > 0) {
                out.add(new Node(name, repetition, -1, isListOrMap(e), children(schema, next, n)));
            } else {
                out.add(new Node(name, repetition, e.i32(SchemaElement.TYPE, -1), false, List.of()));
            }
        }
        return out;
    }

    /** {@code converted_type} MAP, MAP_KEY_VALUE or LIST, or {@code logicalType} MAP or LIST. */
    private static boolean isListOrMap(ThriftStruct element) {
        int converted = element.i32(SchemaElement.CONVERTED_TYPE, -1);
        if (converted == ConvertedType.MAP || converted == ConvertedType.MAP_KEY_VALUE
                || converted == ConvertedType.LIST) {
            return true;
        }
        if (!element.has(SchemaElement.LOGICAL_TYPE)) {
            return false;
        }
        ThriftStruct logical = element.struct(SchemaElement.LOGICAL_TYPE);
        return logical.has(LogicalType.MAP) || logical.has(LogicalType.LIST);
    }

    private static void addColumns(List<Node> path, Map<String, Column> columns) {
        Node last = path.get(path.size() - 1);
        if (!last.isLeaf()) {
            for (Node child : last.children()) {
                List<Node> longer = new ArrayList<>(path);
                longer.add(child);
                addColumns(longer, columns);
            }
            return;
        }
        int[] def = new int[path.size()];
        int[] rep = new int[path.size()];
        StringBuilder name = new StringBuilder();
        for (int k = 0; k < path.size(); k++) {
            Node n = path.get(k);
            def[k] = (k == 0 ? 0 : def[k - 1]) + (n.repetition() == REQUIRED ? 0 : 1);
            rep[k] = (k == 0 ? 0 : rep[k - 1]) + (n.isRepeated() ? 1 : 0);
            name.append(k == 0 ? "" : ".").append(n.name());
        }
        columns.put(name.toString(), new Column(name.toString(), List.copyOf(path), def, rep));
    }
}
