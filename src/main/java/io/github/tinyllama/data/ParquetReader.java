/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A small, dependency-free reader of Apache Parquet files, enough for StarCoderData's {@code content}
 * column and the evaluation data sets as the Hugging Face hub publishes them (lists of strings, structs of
 * lists, integer and boolean labels), from the files pyarrow, DuckDB and parquet-mr write.
 *
 * <p>Supported: physical types {@code BOOLEAN}, {@code INT32}, {@code INT64}, {@code FLOAT}, {@code DOUBLE}
 * and {@code BYTE_ARRAY} (read as UTF-8 text); nested columns of any depth, rebuilt from their repetition and
 * definition levels, with {@code LIST} (three-level and the legacy two-level forms) and {@code MAP} groups
 * read as arrays; data pages v1 and v2; dictionary pages; {@code PLAIN}, {@code PLAIN_DICTIONARY},
 * {@code RLE_DICTIONARY}, {@code DELTA_BINARY_PACKED} (integers), {@code DELTA_LENGTH_BYTE_ARRAY} and
 * {@code DELTA_BYTE_ARRAY} (text), {@code BYTE_STREAM_SPLIT} (numbers) and (for booleans) {@code RLE} value
 * encodings, as data page v2 writers use them; codecs {@code UNCOMPRESSED}, {@code SNAPPY}, {@code GZIP},
 * {@code ZSTD}, {@code LZ4_RAW} (through aircompressor). Anything else ({@code INT96} and fixed-length columns, LZO,
 * Brotli, Hadoop-framed LZ4, encryption) is refused with an {@link IOException} naming the file, the
 * column, the row group and the feature. The footer is parsed from its Thrift compact encoding by
 * {@link Thrift}, which reads every field generically and keeps the few that are needed.
 */
public final class ParquetReader implements AutoCloseable {

    private static final byte[] MAGIC = {'P', 'A', 'R', '1'};

    // Physical types, repetition types and encodings, numbered as in parquet.thrift.
    private static final int BOOLEAN = 0;
    private static final int INT32 = 1;
    private static final int INT64 = 2;
    private static final int FLOAT = 4;
    private static final int DOUBLE = 5;
    private static final int BYTE_ARRAY = 6;
    private static final int REQUIRED = 0;
    private static final int REPEATED = 2;
    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE = 3;
    private static final int DELTA_BINARY_PACKED = 5;
    private static final int DELTA_LENGTH_BYTE_ARRAY = 6;
    private static final int DELTA_BYTE_ARRAY = 7;
    private static final int RLE_DICTIONARY = 8;
    private static final int BYTE_STREAM_SPLIT = 9;

    private final Path file;
    private final FileChannel channel;
    private final Node root;
    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final List<Map<Integer, Object>> rowGroups;

    /**
     * A node of the schema tree.
     *
     * @param name its name
     * @param repetition {@code REQUIRED}, {@code OPTIONAL} or {@code REPEATED}
     * @param type the physical type of a leaf, -1 for a group
     * @param isList whether the group is annotated {@code LIST} or {@code MAP}: its repeated child holds the items
     * @param children a group's fields
     */
    private record Node(String name, int repetition, int type, boolean isList, List<Node> children) {
        boolean isLeaf() {
            return type >= 0;
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
    private record Column(String name, List<Node> path, int[] def, int[] rep) {
        Node leaf() {
            return path.get(path.size() - 1);
        }

        int maxDef() {
            return def[def.length - 1];
        }

        int maxRep() {
            return rep[rep.length - 1];
        }
    }

    /**
     * One column chunk decoded: a definition and a repetition level per entry, and the values of the entries
     * that are defined down to the leaf, in order.
     */
    private record Levels(int[] def, int[] rep, JsonPrimitive[] values) {}

    private ParquetReader(Path file, FileChannel channel, Map<Integer, Object> meta) throws IOException {
        this.file = file;
        this.channel = channel;
        List<Object> schema = list(meta, 2);
        if (schema.isEmpty()) {
            throw new IOException(file + ": the Parquet footer has no schema");
        }
        int[] next = {1};
        this.root = new Node("", REQUIRED, -1, false, children(schema, next, numChildren(struct(schema.get(0)))));
        for (Node field : root.children()) {
            addColumns(new ArrayList<>(List.of(field)));
        }
        this.rowGroups = new ArrayList<>();
        for (Object g : list(meta, 4)) {
            rowGroups.add(struct(g));
        }
    }

    /**
     * Opens a file and reads its footer.
     *
     * @param file a Parquet file
     * @return the reader
     * @throws IOException if the file is not Parquet or its footer is invalid
     */
    public static ParquetReader open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 12) {
                throw new IOException(file + ": not a Parquet file (too short)");
            }
            ByteBuffer tail = read(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int footerLength = tail.getInt();
            byte[] magic = new byte[4];
            tail.get(magic);
            byte[] head = new byte[4];
            read(ch, 0, 4).get(head);
            if (!Arrays.equals(magic, MAGIC) || !Arrays.equals(head, MAGIC)) {
                throw new IOException(file + ": not a Parquet file (no PAR1 magic; encrypted footers are not supported)");
            }
            if (footerLength <= 0 || footerLength > size - 12) {
                throw new IOException(file + ": invalid Parquet footer length " + footerLength);
            }
            ByteBuffer footer = read(ch, size - 8 - footerLength, footerLength);
            try {
                return new ParquetReader(file, ch, new Thrift(footer).readStruct());
            } catch (RuntimeException e) {
                throw new IOException(file + ": invalid Parquet footer: " + e, e);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static int numChildren(Map<Integer, Object> element) {
        Object n = element.get(5);
        return n == null ? 0 : ((Number) n).intValue();
    }

    /** Reads {@code count} schema elements from the depth-first list, each with its subtree. */
    private static List<Node> children(List<Object> schema, int[] next, int count) {
        List<Node> out = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
            Map<Integer, Object> e = struct(schema.get(next[0]++));
            String name = new String((byte[]) e.get(4), StandardCharsets.UTF_8);
            int repetition = e.get(3) == null ? REQUIRED : ((Number) e.get(3)).intValue();
            int n = numChildren(e);
            if (n > 0) {
                out.add(new Node(name, repetition, -1, isListOrMap(e), children(schema, next, n)));
            } else {
                out.add(new Node(name, repetition, e.get(1) == null ? -1 : ((Number) e.get(1)).intValue(), false,
                        List.of()));
            }
        }
        return out;
    }

    /** {@code converted_type} MAP (1), MAP_KEY_VALUE (2) or LIST (3), or {@code logicalType} MAP (2) or LIST (3). */
    private static boolean isListOrMap(Map<Integer, Object> element) {
        Object converted = element.get(6);
        if (converted != null && ((Number) converted).intValue() >= 1 && ((Number) converted).intValue() <= 3) {
            return true;
        }
        Object logical = element.get(10);
        return logical != null && (struct(logical).containsKey(2) || struct(logical).containsKey(3));
    }

    private void addColumns(List<Node> path) {
        Node last = path.get(path.size() - 1);
        if (!last.isLeaf()) {
            for (Node child : last.children()) {
                List<Node> longer = new ArrayList<>(path);
                longer.add(child);
                addColumns(longer);
            }
            return;
        }
        int[] def = new int[path.size()];
        int[] rep = new int[path.size()];
        StringBuilder name = new StringBuilder();
        for (int k = 0; k < path.size(); k++) {
            Node n = path.get(k);
            def[k] = (k == 0 ? 0 : def[k - 1]) + (n.repetition() == REQUIRED ? 0 : 1);
            rep[k] = (k == 0 ? 0 : rep[k - 1]) + (n.repetition() == REPEATED ? 1 : 0);
            name.append(k == 0 ? "" : ".").append(n.name());
        }
        columns.put(name.toString(), new Column(name.toString(), List.copyOf(path), def, rep));
    }

    /** Returns the number of row groups. */
    public int rowGroups() {
        return rowGroups.size();
    }

    /** Returns the number of rows of a row group. */
    public long rows(int rowGroup) {
        return ((Number) rowGroups.get(rowGroup).get(3)).longValue();
    }

    /** Returns the leaf column names (dotted for nested ones, through the list's inner nodes), in schema order. */
    public List<String> columnNames() {
        return List.copyOf(columns.keySet());
    }

    /**
     * Reads one flat string column of one row group.
     *
     * @param rowGroup the row group, from 0
     * @param name the column's name
     * @return one string per row, null for a null value
     * @throws IOException if the column is missing, not a flat {@code BYTE_ARRAY} column, or its data is invalid
     */
    public List<String> readStrings(int rowGroup, String name) throws IOException {
        Column column = columns.get(name);
        if (column == null) {
            throw new IOException(file + ": no column '" + name + "' (columns: " + String.join(", ", columns.keySet()) + ")");
        }
        if (column.leaf().type() != BYTE_ARRAY) {
            throw new IOException(file + ": column '" + name + "' is not a string (BYTE_ARRAY) column");
        }
        if (column.path().size() > 1 || column.maxRep() > 0) {
            throw new IOException(file + ": column '" + name + "' is nested or repeated; read it with readRows");
        }
        Levels levels = readColumn(rowGroup, column);
        List<String> out = new ArrayList<>(levels.def().length);
        int v = 0;
        for (int d : levels.def()) {
            out.add(d < column.maxDef() ? null : levels.values()[v++].getAsString());
        }
        return out;
    }

    /**
     * Reads every column of one row group into one JSON object per row, nested as the schema is: a struct is an
     * object, a {@code LIST} (or a bare repeated field) an array, a {@code MAP} an array of {@code key}/{@code value}
     * objects, a null value JSON null; numbers, booleans and UTF-8 text are JSON primitives.
     *
     * @param rowGroup the row group, from 0
     * @return its rows, in order
     * @throws IOException naming the file, the column and the row group if a column is of an unsupported kind or
     *     its data is invalid
     */
    public List<JsonObject> readRows(int rowGroup) throws IOException {
        int rows = Math.toIntExact(rows(rowGroup));
        List<JsonObject> raw = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            raw.add(new JsonObject());
        }
        for (Column column : columns.values()) {
            Levels levels = readColumn(rowGroup, column);
            List<JsonObject> assembled = assemble(column, levels);
            if (assembled.size() != rows) {
                throw new IOException(where(column, rowGroup) + ": " + assembled.size()
                        + " rows, but the row group has " + rows);
            }
            for (int r = 0; r < rows; r++) {
                merge(raw.get(r), assembled.get(r));
            }
        }
        List<JsonObject> out = new ArrayList<>(rows);
        for (JsonObject row : raw) {
            out.add(fieldsOf(row, root));
        }
        return out;
    }

    private String where(Column column, int rowGroup) {
        return file + ": column '" + column.name() + "' of row group " + rowGroup;
    }

    /**
     * Rebuilds one leaf column's part of each row from its levels (Dremel record assembly), following the
     * physical schema: every group an object, every repeated node an array. A repetition level of 0 starts a
     * row; a level {@code r} starts a new item in the repeated node at level {@code r} (and in every deeper one)
     * and continues the last item of the shallower ones. A definition level below a node's means the node is
     * null (an empty array if it is repeated) and nothing under it is there.
     */
    private static List<JsonObject> assemble(Column column, Levels levels) {
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
                if (node.repetition() == REPEATED) {
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
    private static void merge(JsonObject into, JsonObject part) {
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
    private static JsonObject fieldsOf(JsonObject raw, Node group) {
        JsonObject out = new JsonObject();
        for (Node child : group.children()) {
            JsonElement value = raw.get(child.name());
            if (value == null || value.isJsonNull()) {
                out.add(child.name(), child.repetition() == REPEATED ? new JsonArray() : JsonNull.INSTANCE);
            } else if (child.repetition() == REPEATED) {
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
        if (!node.isList() || node.children().size() != 1 || node.children().get(0).repetition() != REPEATED) {
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

    /** Finds a column's chunk in a row group and decodes its pages. */
    private Levels readColumn(int rowGroup, Column column) throws IOException {
        Map<Integer, Object> chunkMeta = null;
        for (Object c : list(rowGroups.get(rowGroup), 1)) {
            Map<Integer, Object> cc = struct(c);
            Map<Integer, Object> md = struct(cc.get(3));
            List<String> path = new ArrayList<>();
            for (Object p : list(md, 3)) {
                path.add(new String((byte[]) p, StandardCharsets.UTF_8));
            }
            if (String.join(".", path).equals(column.name())) {
                if (cc.get(1) != null) {
                    throw new IOException(where(column, rowGroup) + ": column chunks in other files are not supported");
                }
                chunkMeta = md;
            }
        }
        if (chunkMeta == null) {
            throw new IOException(where(column, rowGroup) + ": the row group has no chunk for the column");
        }
        int type = column.leaf().type();
        if (type != BOOLEAN && type != INT32 && type != INT64 && type != FLOAT && type != DOUBLE
                && type != BYTE_ARRAY) {
            throw new IOException(where(column, rowGroup) + ": physical type " + type
                    + " is not supported (BOOLEAN, INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY are)");
        }
        long numValues = ((Number) chunkMeta.get(5)).longValue();
        int codec = ((Number) chunkMeta.get(4)).intValue();
        long start = ((Number) chunkMeta.get(9)).longValue();
        if (chunkMeta.get(11) != null) {
            long dict = ((Number) chunkMeta.get(11)).longValue();
            if (dict > 0 && dict < start) {
                start = dict;
            }
        }
        long length = ((Number) chunkMeta.get(7)).longValue();
        try {
            ByteBuffer chunk = read(channel, start, Math.toIntExact(length));
            int n = Math.toIntExact(numValues);
            Levels out = new Levels(new int[n], new int[n], new JsonPrimitive[n]);
            int[] filled = {0, 0};
            JsonPrimitive[] dictionary = null;
            while (filled[0] < n) {
                if (!chunk.hasRemaining()) {
                    throw new IOException("the chunk ends after " + filled[0] + " of its " + n + " values");
                }
                Map<Integer, Object> header = new Thrift(chunk).readStruct();
                int pageType = ((Number) header.get(1)).intValue();
                int uncompressed = ((Number) header.get(2)).intValue();
                int compressed = ((Number) header.get(3)).intValue();
                ByteBuffer raw = chunk.slice(chunk.position(), compressed);
                chunk.position(chunk.position() + compressed);
                if (pageType == 2) {
                    int count = ((Number) struct(header.get(7)).get(1)).intValue();
                    ByteBuffer page = decompress(codec, raw, uncompressed).order(ByteOrder.LITTLE_ENDIAN);
                    dictionary = new JsonPrimitive[count];
                    for (int i = 0; i < count; i++) {
                        dictionary[i] = plainValue(page, type);
                    }
                } else if (pageType == 0 || pageType == 3) {
                    readDataPage(column, codec, pageType, header, raw, uncompressed, dictionary, out, filled);
                } else if (pageType != 1) {
                    throw new IOException("unknown page type " + pageType);
                }
            }
            return filled[1] == n ? out : new Levels(out.def(), out.rep(), Arrays.copyOf(out.values(), filled[1]));
        } catch (IOException | RuntimeException e) {
            throw new IOException(where(column, rowGroup) + ": " + (e instanceof IOException ? e.getMessage() : e), e);
        }
    }

    /** Decodes one data page into {@code out}; {@code filled} holds the entries and the values written so far. */
    private void readDataPage(Column column, int codec, int pageType, Map<Integer, Object> header, ByteBuffer raw,
            int uncompressed, JsonPrimitive[] dictionary, Levels out, int[] filled) throws IOException {
        int numValues;
        int encoding;
        ByteBuffer page;
        ByteBuffer repLevels = null;
        ByteBuffer defLevels = null;
        if (pageType == 0) {
            Map<Integer, Object> dh = struct(header.get(5));
            numValues = ((Number) dh.get(1)).intValue();
            encoding = ((Number) dh.get(2)).intValue();
            page = decompress(codec, raw, uncompressed).order(ByteOrder.LITTLE_ENDIAN);
            // v1: each level stream is prefixed with its length in bytes, repetition levels first.
            if (column.maxRep() > 0) {
                repLevels = lengthPrefixed(page);
            }
            if (column.maxDef() > 0) {
                defLevels = lengthPrefixed(page);
            }
        } else {
            Map<Integer, Object> dh = struct(header.get(8));
            numValues = ((Number) dh.get(1)).intValue();
            encoding = ((Number) dh.get(4)).intValue();
            int defLen = ((Number) dh.get(5)).intValue();
            int repLen = ((Number) dh.get(6)).intValue();
            boolean isCompressed = dh.get(7) == null || (Boolean) dh.get(7);
            // v2: the levels come first, never compressed, their lengths in the header.
            repLevels = raw.slice(0, repLen);
            defLevels = raw.slice(repLen, defLen);
            ByteBuffer values = raw.slice(repLen + defLen, raw.remaining() - repLen - defLen);
            page = isCompressed ? decompress(codec, values, uncompressed - repLen - defLen) : values;
        }
        page = page.slice().order(ByteOrder.LITTLE_ENDIAN);
        int at = filled[0];
        if (at + numValues > out.def().length) {
            throw new IOException("the pages hold more values than the chunk's " + out.def().length);
        }
        int[] reps = new int[numValues];
        int[] defs = new int[numValues];
        if (column.maxRep() > 0) {
            new Rle(repLevels.order(ByteOrder.LITTLE_ENDIAN), bitWidth(column.maxRep())).read(reps, numValues);
        }
        if (column.maxDef() > 0) {
            new Rle(defLevels.order(ByteOrder.LITTLE_ENDIAN), bitWidth(column.maxDef())).read(defs, numValues);
        } else {
            Arrays.fill(defs, column.maxDef());
        }
        int present = 0;
        for (int d : defs) {
            if (d > column.maxDef()) {
                throw new IOException("definition level " + d + " above the column's maximum " + column.maxDef());
            }
            present += d == column.maxDef() ? 1 : 0;
        }
        System.arraycopy(reps, 0, out.rep(), at, numValues);
        System.arraycopy(defs, 0, out.def(), at, numValues);
        JsonPrimitive[] values = out.values();
        int v = filled[1];
        int type = column.leaf().type();
        if (encoding == PLAIN_DICTIONARY || encoding == RLE_DICTIONARY) {
            if (dictionary == null) {
                throw new IOException("dictionary-encoded page without a dictionary page");
            }
            int[] indices = new int[present];
            new Rle(page, page.get() & 0xff).read(indices, present);
            for (int index : indices) {
                if (index < 0 || index >= dictionary.length) {
                    throw new IOException("dictionary index " + index + " out of " + dictionary.length);
                }
                values[v++] = dictionary[index];
            }
        } else if (encoding == PLAIN && type == BOOLEAN) {
            for (int i = 0; i < present; i++) {
                values[v++] = new JsonPrimitive(((page.get(i / 8) >>> (i % 8)) & 1) == 1);
            }
        } else if (encoding == RLE && type == BOOLEAN) {
            int[] bits = new int[present];
            new Rle(lengthPrefixed(page).order(ByteOrder.LITTLE_ENDIAN), 1).read(bits, present);
            for (int b : bits) {
                values[v++] = new JsonPrimitive(b == 1);
            }
        } else if (encoding == PLAIN) {
            for (int i = 0; i < present; i++) {
                values[v++] = plainValue(page, type);
            }
        } else if (encoding == DELTA_BINARY_PACKED && (type == INT32 || type == INT64)) {
            for (long value : deltaBinaryPacked(page)) {
                values[v++] = type == INT32 ? new JsonPrimitive((int) value) : new JsonPrimitive(value);
            }
        } else if (encoding == BYTE_STREAM_SPLIT && type != BOOLEAN && type != BYTE_ARRAY) {
            ByteBuffer joined = byteStreamSplit(page, present, type == INT32 || type == FLOAT ? 4 : 8);
            for (int i = 0; i < present; i++) {
                values[v++] = plainValue(joined, type);
            }
        } else if ((encoding == DELTA_LENGTH_BYTE_ARRAY || encoding == DELTA_BYTE_ARRAY) && type == BYTE_ARRAY) {
            for (byte[] bytes : deltaByteArrays(page, encoding == DELTA_BYTE_ARRAY)) {
                values[v++] = new JsonPrimitive(text(ByteBuffer.wrap(bytes)));
            }
        } else {
            throw new IOException("encoding " + encoding + " of physical type " + type + " is not supported (PLAIN,"
                    + " dictionaries, DELTA_BINARY_PACKED for integers, DELTA_LENGTH_BYTE_ARRAY and"
                    + " DELTA_BYTE_ARRAY for text, BYTE_STREAM_SPLIT for numbers, RLE for booleans are)");
        }
        if (v - filled[1] != present) {
            throw new IOException("a page holds " + (v - filled[1]) + " values for " + present + " defined entries");
        }
        filled[0] = at + numValues;
        filled[1] = v;
    }

    private static ByteBuffer lengthPrefixed(ByteBuffer page) {
        int len = page.order(ByteOrder.LITTLE_ENDIAN).getInt();
        ByteBuffer out = page.slice(page.position(), len);
        page.position(page.position() + len);
        return out;
    }

    private static int bitWidth(int maxLevel) {
        return 32 - Integer.numberOfLeadingZeros(maxLevel);
    }

    /** One {@code PLAIN} value of a non-boolean type. */
    private static JsonPrimitive plainValue(ByteBuffer page, int type) throws IOException {
        page.order(ByteOrder.LITTLE_ENDIAN);
        return switch (type) {
            case INT32 -> new JsonPrimitive(page.getInt());
            case INT64 -> new JsonPrimitive(page.getLong());
            case FLOAT -> new JsonPrimitive(page.getFloat());
            case DOUBLE -> new JsonPrimitive(page.getDouble());
            case BYTE_ARRAY -> {
                int len = page.getInt();
                ByteBuffer bytes = page.slice(page.position(), len);
                page.position(page.position() + len);
                yield new JsonPrimitive(text(bytes));
            }
            default -> throw new IllegalStateException("no PLAIN values of type " + type + " here");
        };
    }

    private static String text(ByteBuffer bytes) throws IOException {
        try {
            return utf8().decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("invalid UTF-8 text in a value");
        }
    }

    /**
     * {@code DELTA_BINARY_PACKED}: a header (values per block, miniblocks per block, value count, first value),
     * then blocks of a minimum delta, one bit width per miniblock and the miniblocks' bit-packed deltas above the
     * minimum. Leaves {@code in} after the last miniblock that holds values.
     */
    private static long[] deltaBinaryPacked(ByteBuffer in) throws IOException {
        int blockSize = (int) varint(in);
        int miniblocks = (int) varint(in);
        int count = Math.toIntExact(varint(in));
        long value = zigzag(varint(in));
        if (miniblocks <= 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0) {
            throw new IOException("invalid DELTA_BINARY_PACKED header: blocks of " + blockSize + " values in "
                    + miniblocks + " miniblocks");
        }
        int perMiniblock = blockSize / miniblocks;
        long[] out = new long[count];
        if (count > 0) {
            out[0] = value;
        }
        int n = 1;
        while (n < count) {
            long minDelta = zigzag(varint(in));
            byte[] widths = new byte[miniblocks];
            in.get(widths);
            for (int m = 0; m < miniblocks && n < count; m++) {
                int width = widths[m] & 0xff;
                if (width > 64) {
                    throw new IOException("invalid DELTA_BINARY_PACKED bit width " + width);
                }
                byte[] packed = new byte[perMiniblock * width / 8];
                in.get(packed);
                for (int i = 0; i < perMiniblock && n < count; i++) {
                    value += minDelta + bits(packed, (long) i * width, width);
                    out[n++] = value;
                }
            }
        }
        return out;
    }

    /**
     * {@code BYTE_STREAM_SPLIT}: byte {@code k} of value {@code i} is at {@code k * count + i}; returns the values
     * put back together, as {@code PLAIN} would hold them.
     */
    private static ByteBuffer byteStreamSplit(ByteBuffer in, int count, int width) throws IOException {
        if (in.remaining() < count * width) {
            throw new IOException("BYTE_STREAM_SPLIT page of " + in.remaining() + " bytes for " + count + " values");
        }
        byte[] joined = new byte[count * width];
        for (int k = 0; k < width; k++) {
            for (int i = 0; i < count; i++) {
                joined[i * width + k] = in.get(in.position() + k * count + i);
            }
        }
        return ByteBuffer.wrap(joined).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@code width} bits from bit {@code offset} on, least significant first, as Parquet packs them. */
    private static long bits(byte[] packed, long offset, int width) {
        long v = 0;
        for (int b = 0; b < width; b++) {
            long at = offset + b;
            v |= (long) ((packed[(int) (at >>> 3)] >>> (at & 7)) & 1) << b;
        }
        return v;
    }

    /**
     * {@code DELTA_LENGTH_BYTE_ARRAY}: the lengths, delta-binary-packed, then the bytes one after another;
     * {@code DELTA_BYTE_ARRAY} puts the lengths of the prefixes shared with the previous value in front of that.
     */
    private static List<byte[]> deltaByteArrays(ByteBuffer in, boolean prefixed) throws IOException {
        long[] prefixes = prefixed ? deltaBinaryPacked(in) : null;
        long[] lengths = deltaBinaryPacked(in);
        if (prefixed && prefixes.length != lengths.length) {
            throw new IOException("DELTA_BYTE_ARRAY with " + prefixes.length + " prefixes for " + lengths.length
                    + " suffixes");
        }
        List<byte[]> out = new ArrayList<>(lengths.length);
        byte[] previous = new byte[0];
        for (int i = 0; i < lengths.length; i++) {
            int prefix = prefixed ? Math.toIntExact(prefixes[i]) : 0;
            if (prefix > previous.length) {
                throw new IOException("DELTA_BYTE_ARRAY prefix of " + prefix + " bytes after a value of "
                        + previous.length);
            }
            byte[] value = Arrays.copyOf(previous, prefix + Math.toIntExact(lengths[i]));
            in.get(value, prefix, value.length - prefix);
            out.add(value);
            previous = value;
        }
        return out;
    }

    private static CharsetDecoder utf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    private ByteBuffer decompress(int codec, ByteBuffer in, int uncompressedSize) throws IOException {
        byte[] src = new byte[in.remaining()];
        in.duplicate().get(src);
        if (codec == 0) {
            return ByteBuffer.wrap(src);
        }
        if (codec == 2) {
            try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(src))) {
                ByteArrayOutputStream bos = new ByteArrayOutputStream(uncompressedSize);
                gz.transferTo(bos);
                return ByteBuffer.wrap(bos.toByteArray());
            }
        }
        Decompressor d = switch (codec) {
            case 1 -> new SnappyDecompressor();
            case 6 -> new ZstdDecompressor();
            case 7 -> new Lz4Decompressor();
            default -> throw new IOException(file + ": compression codec " + codec
                    + " is not supported (UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4_RAW are)");
        };
        byte[] dst = new byte[uncompressedSize];
        int n = d.decompress(src, 0, src.length, dst, 0, dst.length);
        if (n != uncompressedSize) {
            throw new IOException(file + ": page decompressed to " + n + " bytes, expected " + uncompressedSize);
        }
        return ByteBuffer.wrap(dst);
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return b.flip();
    }

    @SuppressWarnings("unchecked")
    private static Map<Integer, Object> struct(Object o) {
        return (Map<Integer, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<Integer, Object> s, int field) {
        Object o = s.get(field);
        return o == null ? List.of() : (List<Object>) o;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** The RLE / bit-packing hybrid encoding of levels and dictionary indices. */
    private static final class Rle {
        private final ByteBuffer in;
        private final int bitWidth;

        Rle(ByteBuffer in, int bitWidth) {
            this.in = in;
            this.bitWidth = bitWidth;
        }

        void read(int[] out, int count) {
            int n = 0;
            int bytesPerValue = (bitWidth + 7) / 8;
            while (n < count) {
                long header = varint(in);
                if ((header & 1) == 0) {
                    int run = (int) (header >>> 1);
                    int value = 0;
                    for (int i = 0; i < bytesPerValue; i++) {
                        value |= (in.get() & 0xff) << (8 * i);
                    }
                    for (int i = 0; i < run && n < count; i++) {
                        out[n++] = value;
                    }
                } else {
                    int groups = (int) (header >>> 1);
                    int values = groups * 8;
                    long buffer = 0;
                    int bits = 0;
                    int mask = bitWidth == 32 ? -1 : (1 << bitWidth) - 1;
                    int bytes = groups * bitWidth;
                    for (int i = 0, v = 0; v < values; ) {
                        while (bits < bitWidth && i < bytes) {
                            buffer |= (long) (in.get() & 0xff) << bits;
                            bits += 8;
                            i++;
                        }
                        int value = (int) (buffer & mask);
                        buffer >>>= bitWidth;
                        bits -= bitWidth;
                        if (n < count) {
                            out[n++] = value;
                        }
                        v++;
                    }
                }
            }
        }
    }

    static long zigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }

    static long varint(ByteBuffer in) {
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

    /** The Thrift compact protocol, read generically: structs as maps from field id to value. */
    static final class Thrift {
        private final ByteBuffer in;

        Thrift(ByteBuffer in) {
            this.in = in;
        }

        Map<Integer, Object> readStruct() {
            Map<Integer, Object> fields = new HashMap<>();
            int last = 0;
            while (true) {
                int b = in.get() & 0xff;
                if (b == 0) {
                    return fields;
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
                case 1:
                    return inStruct ? Boolean.TRUE : in.get() == 1;
                case 2:
                    return inStruct ? Boolean.FALSE : in.get() == 1;
                case 3:
                    return (int) in.get();
                case 4:
                case 5:
                    return (int) zigzag(varint(in));
                case 6:
                    return zigzag(varint(in));
                case 7:
                    return in.order(ByteOrder.LITTLE_ENDIAN).getDouble();
                case 8: {
                    byte[] b = new byte[(int) varint(in)];
                    in.get(b);
                    return b;
                }
                case 9:
                case 10: {
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
                case 11: {
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
                case 12:
                    return readStruct();
                default:
                    throw new IllegalStateException("invalid Thrift type " + type);
            }
        }

    }
}
