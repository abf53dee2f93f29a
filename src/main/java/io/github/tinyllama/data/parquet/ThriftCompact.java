/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Thrift compact protocol, read generically: a struct becomes a {@link ThriftStruct} of field id to
 * value, so the reader needs no generated classes and skips the many fields it does not use. Field ids are
 * named in {@link ParquetThrift}.
 */
public final class ThriftCompact {
    // Compact protocol type codes.
    private static final int BOOLEAN_TRUE = 1;
    private static final int BOOLEAN_FALSE = 2;
    private static final int BYTE = 3;
    private static final int I16 = 4;
    private static final int I32 = 5;
    private static final int I64 = 6;
    private static final int DOUBLE = 7;
    private static final int BINARY = 8;
    private static final int LIST = 9;
    private static final int SET = 10;
    private static final int MAP = 11;
    private static final int STRUCT = 12;

    private final ByteBuffer in;

    /** Reads from {@code in}'s position on, advancing it. */
    public ThriftCompact(ByteBuffer in) {
        this.in = in;
    }

    /** Reads one struct, up to and including its stop byte. */
    public ThriftStruct readStruct() {
        Map<Integer, Object> fields = new HashMap<>();
        int last = 0;
        while (true) {
            int b = in.get() & 0xff;
            if (b == 0) {
                return new ThriftStruct(fields);
            }
            int type = b & 0x0f;
            int delta = b >>> 4;
            int id = delta == 0 ? (int) zigzag(varint(in)) : last + delta;
            last = id;
            fields.put(id, readValue(type, true));
        }
    }

    private Object readValue(int type, boolean inStruct) {
        switch (type) {
            case BOOLEAN_TRUE:
                return inStruct ? Boolean.TRUE : in.get() == 1;
            case BOOLEAN_FALSE:
                return inStruct ? Boolean.FALSE : in.get() == 1;
            case BYTE:
                return (int) in.get();
            case I16:
            case I32:
                return (int) zigzag(varint(in));
            case I64:
                return zigzag(varint(in));
            case DOUBLE:
                return in.order(ByteOrder.LITTLE_ENDIAN).getDouble();
            case BINARY: {
                byte[] b = new byte[(int) varint(in)];
                in.get(b);
                return b;
            }
            case LIST:
            case SET: {
                int h = in.get() & 0xff;
                int size = h >>> 4;
                if (size == 15) {
                    size = (int) varint(in);
                }
                int elemType = h & 0x0f;
                List<Object> list = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    list.add(readValue(elemType, false));
                }
                return list;
            }
            case MAP: {
                int size = (int) varint(in);
                Map<Object, Object> map = new HashMap<>();
                if (size > 0) {
                    int kv = in.get() & 0xff;
                    for (int i = 0; i < size; i++) {
                        Object k = readValue(kv >>> 4, false);
                        map.put(k instanceof byte[] ? new String((byte[]) k, StandardCharsets.UTF_8) : k,
                                readValue(kv & 0x0f, false));
                    }
                }
                return map;
            }
            case STRUCT:
                return readStruct();
            default:
                throw new IllegalStateException("invalid Thrift type " + type);
        }
    }

    /** Undoes zigzag encoding, which maps signed to unsigned integers as 0, -1, 1, -2, ... */
    public static long zigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }

    /** An unsigned LEB128 varint. */
    public static long varint(ByteBuffer in) {
        long result = 0;
        int shift = 0;
        while (true) {
            int b = in.get() & 0xff;
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
            shift += 7;
        }
    }
}
