/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import com.google.gson.JsonObject;

import io.github.tinyllama.data.parquet.ChunkDecoder;
import io.github.tinyllama.data.parquet.Levels;
import io.github.tinyllama.data.parquet.ParquetThrift.FileMetaData;
import io.github.tinyllama.data.parquet.ParquetThrift.RowGroup;
import io.github.tinyllama.data.parquet.ParquetThrift.Type;
import io.github.tinyllama.data.parquet.ParquetThrift;
import io.github.tinyllama.data.parquet.RecordAssembly;
import io.github.tinyllama.data.parquet.Schema.Column;
import io.github.tinyllama.data.parquet.Schema;
import io.github.tinyllama.data.parquet.ThriftCompact;
import io.github.tinyllama.data.parquet.ThriftStruct;
import io.github.tinyllama.util.FileChannels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * {@link ThriftCompact}, which reads every field generically; {@link ParquetThrift} names the few that are
 * used. Pages are decoded by {@link ChunkDecoder} and rows rebuilt by {@link RecordAssembly}.
 */
public final class ParquetReader implements AutoCloseable {

    private static final byte[] MAGIC = {'P', 'A', 'R', '1'};

    private final Path file;
    private final FileChannel channel;
    private final Schema schema;
    private final List<ThriftStruct> rowGroups;
    private final ChunkDecoder chunks;

    private ParquetReader(Path file, FileChannel channel, ThriftStruct meta) throws IOException {
        this.file = file;
        this.channel = channel;
        List<ThriftStruct> elements = meta.structs(FileMetaData.SCHEMA);
        if (elements.isEmpty()) {
            throw new IOException(file + ": the Parquet footer has no schema");
        }
        this.schema = Schema.of(elements);
        this.rowGroups = meta.structs(FileMetaData.ROW_GROUPS);
        this.chunks = new ChunkDecoder(file, channel);
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
            ByteBuffer tail = FileChannels.readFully(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
            int footerLength = tail.getInt();
            byte[] magic = new byte[4];
            tail.get(magic);
            byte[] head = new byte[4];
            FileChannels.readFully(ch, 0, 4).get(head);
            if (!Arrays.equals(magic, MAGIC) || !Arrays.equals(head, MAGIC)) {
                throw new IOException(file + ": not a Parquet file (no PAR1 magic; encrypted footers are not supported)");
            }
            if (footerLength <= 0 || footerLength > size - 12) {
                throw new IOException(file + ": invalid Parquet footer length " + footerLength);
            }
            ByteBuffer footer = FileChannels.readFully(ch, size - 8 - footerLength, footerLength);
            try {
                return new ParquetReader(file, ch, new ThriftCompact(footer).readStruct());
            } catch (RuntimeException e) {
                throw new IOException(file + ": invalid Parquet footer: " + e, e);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Returns the number of row groups. */
    public int rowGroups() {
        return rowGroups.size();
    }

    /** Returns the number of rows of a row group. */
    public long rows(int rowGroup) {
        return rowGroups.get(rowGroup).i64(RowGroup.NUM_ROWS);
    }

    /** Returns the leaf column names (dotted for nested ones, through the list's inner nodes), in schema order. */
    public List<String> columnNames() {
        return List.copyOf(schema.columns().keySet());
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
        Column column = schema.columns().get(name);
        if (column == null) {
            throw new IOException(file + ": no column '" + name + "' (columns: "
                    + String.join(", ", schema.columns().keySet()) + ")");
        }
        if (column.leaf().type() != Type.BYTE_ARRAY) {
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
        for (Column column : schema.columns().values()) {
            Levels levels = readColumn(rowGroup, column);
            List<JsonObject> assembled = RecordAssembly.assemble(column, levels);
            if (assembled.size() != rows) {
                throw new IOException(where(column, rowGroup) + ": " + assembled.size()
                        + " rows, but the row group has " + rows);
            }
            for (int r = 0; r < rows; r++) {
                RecordAssembly.merge(raw.get(r), assembled.get(r));
            }
        }
        List<JsonObject> out = new ArrayList<>(rows);
        for (JsonObject row : raw) {
            out.add(RecordAssembly.fieldsOf(row, schema.root()));
        }
        return out;
    }

    private Levels readColumn(int rowGroup, Column column) throws IOException {
        return chunks.read(rowGroups.get(rowGroup), column, where(column, rowGroup));
    }

    private String where(Column column, int rowGroup) {
        return file + ": column '" + column.name() + "' of row group " + rowGroup;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
