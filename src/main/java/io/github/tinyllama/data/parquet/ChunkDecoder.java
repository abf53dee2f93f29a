/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import com.google.gson.JsonPrimitive;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;

import io.github.tinyllama.data.parquet.ParquetThrift.ColumnChunk;
import io.github.tinyllama.data.parquet.ParquetThrift.ColumnMetaData;
import io.github.tinyllama.data.parquet.ParquetThrift.CompressionCodec;
import io.github.tinyllama.data.parquet.ParquetThrift.DataPageHeader;
import io.github.tinyllama.data.parquet.ParquetThrift.DataPageHeaderV2;
import io.github.tinyllama.data.parquet.ParquetThrift.DictionaryPageHeader;
import io.github.tinyllama.data.parquet.ParquetThrift.PageHeader;
import io.github.tinyllama.data.parquet.ParquetThrift.PageType;
import io.github.tinyllama.data.parquet.ParquetThrift.RowGroup;
import io.github.tinyllama.data.parquet.ParquetThrift.Type;
import io.github.tinyllama.data.parquet.Schema.Column;
import io.github.tinyllama.util.FileChannels;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Decodes one column chunk of a row group: its pages (dictionary, data v1 and v2), decompressed, with their
 * repetition and definition levels and their values.
 */
public final class ChunkDecoder {
    private final Path file;
    private final FileChannel channel;

    /** Reads chunks of {@code file} through {@code channel}, naming the file in errors. */
    public ChunkDecoder(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Finds a column's chunk in a row group and decodes its pages.
     *
     * @param rowGroup the row group's footer struct
     * @param where the file, column and row group, to start error messages with
     */
    public Levels read(ThriftStruct rowGroup, Column column, String where) throws IOException {
        ThriftStruct chunkMeta = null;
        for (ThriftStruct chunk : rowGroup.structs(RowGroup.COLUMNS)) {
            ThriftStruct md = chunk.struct(ColumnChunk.META_DATA);
            if (String.join(".", md.strings(ColumnMetaData.PATH_IN_SCHEMA)).equals(column.name())) {
                if (chunk.has(ColumnChunk.FILE_PATH)) {
                    throw new IOException(where + ": column chunks in other files are not supported");
                }
                chunkMeta = md;
            }
        }
        if (chunkMeta == null) {
            throw new IOException(where + ": the row group has no chunk for the column");
        }
        int type = column.leaf().type();
        if (type != Type.BOOLEAN && type != Type.INT32 && type != Type.INT64 && type != Type.FLOAT
                && type != Type.DOUBLE && type != Type.BYTE_ARRAY) {
            throw new IOException(where + ": physical type " + type
                    + " is not supported (BOOLEAN, INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY are)");
        }
        try {
            return readPages(chunkMeta, column);
        } catch (IOException | RuntimeException e) {
            throw new IOException(where + ": " + (e instanceof IOException ? e.getMessage() : e), e);
        }
    }

    private Levels readPages(ThriftStruct chunkMeta, Column column) throws IOException {
        long numValues = chunkMeta.i64(ColumnMetaData.NUM_VALUES);
        int codec = chunkMeta.i32(ColumnMetaData.CODEC);
        long start = chunkMeta.i64(ColumnMetaData.DATA_PAGE_OFFSET);
        if (chunkMeta.has(ColumnMetaData.DICTIONARY_PAGE_OFFSET)) {
            // Some writers put the dictionary page first without saying so in the data page offset.
            long dict = chunkMeta.i64(ColumnMetaData.DICTIONARY_PAGE_OFFSET);
            if (dict > 0 && dict < start) {
                start = dict;
            }
        }
        long length = chunkMeta.i64(ColumnMetaData.TOTAL_COMPRESSED_SIZE);
        ByteBuffer chunk = FileChannels.readFully(channel, start, Math.toIntExact(length));
        int n = Math.toIntExact(numValues);
        Levels out = new Levels(new int[n], new int[n], new JsonPrimitive[n]);
        int[] filled = {0, 0};
        JsonPrimitive[] dictionary = null;
        while (filled[0] < n) {
            if (!chunk.hasRemaining()) {
                throw new IOException("the chunk ends after " + filled[0] + " of its " + n + " values");
            }
            ThriftStruct header = new ThriftCompact(chunk).readStruct();
            int pageType = header.i32(PageHeader.TYPE);
            int uncompressed = header.i32(PageHeader.UNCOMPRESSED_PAGE_SIZE);
            int compressed = header.i32(PageHeader.COMPRESSED_PAGE_SIZE);
            ByteBuffer raw = chunk.slice(chunk.position(), compressed);
            chunk.position(chunk.position() + compressed);
            if (pageType == PageType.DICTIONARY_PAGE) {
                int count = header.struct(PageHeader.DICTIONARY_PAGE_HEADER).i32(DictionaryPageHeader.NUM_VALUES);
                ByteBuffer page = decompress(codec, raw, uncompressed).order(ByteOrder.LITTLE_ENDIAN);
                dictionary = new JsonPrimitive[count];
                for (int i = 0; i < count; i++) {
                    dictionary[i] = PageValues.plainValue(page, column.leaf().type());
                }
            } else if (pageType == PageType.DATA_PAGE || pageType == PageType.DATA_PAGE_V2) {
                readDataPage(column, codec, pageType, header, raw, uncompressed, dictionary, out, filled);
            } else if (pageType != PageType.INDEX_PAGE) {
                throw new IOException("unknown page type " + pageType);
            }
        }
        return filled[1] == n ? out : new Levels(out.def(), out.rep(), Arrays.copyOf(out.values(), filled[1]));
    }

    /** Decodes one data page into {@code out}; {@code filled} holds the entries and the values written so far. */
    private void readDataPage(Column column, int codec, int pageType, ThriftStruct header, ByteBuffer raw,
            int uncompressed, JsonPrimitive[] dictionary, Levels out, int[] filled) throws IOException {
        int numValues;
        int encoding;
        ByteBuffer page;
        ByteBuffer repLevels = null;
        ByteBuffer defLevels = null;
        if (pageType == PageType.DATA_PAGE) {
            ThriftStruct dh = header.struct(PageHeader.DATA_PAGE_HEADER);
            numValues = dh.i32(DataPageHeader.NUM_VALUES);
            encoding = dh.i32(DataPageHeader.ENCODING);
            page = decompress(codec, raw, uncompressed).order(ByteOrder.LITTLE_ENDIAN);
            // v1: each level stream is prefixed with its length in bytes, repetition levels first.
            if (column.maxRep() > 0) {
                repLevels = PageValues.lengthPrefixed(page);
            }
            if (column.maxDef() > 0) {
                defLevels = PageValues.lengthPrefixed(page);
            }
        } else {
            ThriftStruct dh = header.struct(PageHeader.DATA_PAGE_HEADER_V2);
            numValues = dh.i32(DataPageHeaderV2.NUM_VALUES);
            encoding = dh.i32(DataPageHeaderV2.ENCODING);
            int defLen = dh.i32(DataPageHeaderV2.DEFINITION_LEVELS_BYTE_LENGTH);
            int repLen = dh.i32(DataPageHeaderV2.REPETITION_LEVELS_BYTE_LENGTH);
            boolean isCompressed = dh.bool(DataPageHeaderV2.IS_COMPRESSED, true);
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
            new RleHybrid(repLevels.order(ByteOrder.LITTLE_ENDIAN), RleHybrid.bitWidth(column.maxRep()))
                    .read(reps, numValues);
        }
        if (column.maxDef() > 0) {
            new RleHybrid(defLevels.order(ByteOrder.LITTLE_ENDIAN), RleHybrid.bitWidth(column.maxDef()))
                    .read(defs, numValues);
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
        int v = PageValues.decode(page, encoding, column.leaf().type(), present, dictionary, out.values(), filled[1]);
        if (v - filled[1] != present) {
            throw new IOException("a page holds " + (v - filled[1]) + " values for " + present + " defined entries");
        }
        filled[0] = at + numValues;
        filled[1] = v;
    }

    private ByteBuffer decompress(int codec, ByteBuffer in, int uncompressedSize) throws IOException {
        byte[] src = new byte[in.remaining()];
        in.duplicate().get(src);
        if (codec == CompressionCodec.UNCOMPRESSED) {
            return ByteBuffer.wrap(src);
        }
        if (codec == CompressionCodec.GZIP) {
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(src))) {
                ByteArrayOutputStream bos = new ByteArrayOutputStream(uncompressedSize);
                gz.transferTo(bos);
                return ByteBuffer.wrap(bos.toByteArray());
            }
        }
        Decompressor d = switch (codec) {
            case CompressionCodec.SNAPPY -> new SnappyDecompressor();
            case CompressionCodec.ZSTD -> new ZstdDecompressor();
            case CompressionCodec.LZ4_RAW -> new Lz4Decompressor();
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
}
