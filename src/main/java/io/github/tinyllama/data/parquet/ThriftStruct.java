/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One decoded Thrift struct, its fields by id (use the names in {@link ParquetThrift}). A missing required
 * field is an {@link IllegalStateException} naming its id; callers turn it into an error naming the file.
 */
public final class ThriftStruct {
    private final Map<Integer, Object> fields;

    ThriftStruct(Map<Integer, Object> fields) {
        this.fields = fields;
    }

    /** Whether the field is set. */
    public boolean has(int field) {
        return fields.containsKey(field);
    }

    /** An integer field (i8, i16, i32 or i64). */
    public long i64(int field) {
        return ((Number) required(field)).longValue();
    }

    /** An integer field that fits an {@code int}. */
    public int i32(int field) {
        return ((Number) required(field)).intValue();
    }

    /** An optional integer field, or {@code otherwise} when it is not set. */
    public int i32(int field, int otherwise) {
        Object value = fields.get(field);
        return value == null ? otherwise : ((Number) value).intValue();
    }

    /** An optional boolean field, or {@code otherwise} when it is not set. */
    public boolean bool(int field, boolean otherwise) {
        Object value = fields.get(field);
        return value == null ? otherwise : (Boolean) value;
    }

    /** A binary field as UTF-8 text. */
    public String string(int field) {
        return new String((byte[]) required(field), StandardCharsets.UTF_8);
    }

    /** A struct field. */
    public ThriftStruct struct(int field) {
        return (ThriftStruct) required(field);
    }

    /** An optional list of structs, empty when not set. */
    public List<ThriftStruct> structs(int field) {
        List<ThriftStruct> out = new ArrayList<>();
        for (Object o : list(field)) {
            out.add((ThriftStruct) o);
        }
        return out;
    }

    /** An optional list of strings, empty when not set. */
    public List<String> strings(int field) {
        List<String> out = new ArrayList<>();
        for (Object o : list(field)) {
            out.add(new String((byte[]) o, StandardCharsets.UTF_8));
        }
        return out;
    }

    private List<?> list(int field) {
        Object o = fields.get(field);
        return o == null ? List.of() : (List<?>) o;
    }

    private Object required(int field) {
        Object value = fields.get(field);
        if (value == null) {
            throw new IllegalStateException("required Thrift field " + field + " is missing");
        }
        return value;
    }
}
