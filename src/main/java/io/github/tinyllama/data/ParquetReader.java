/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A small, dependency-free reader for the string columns of Apache Parquet files, enough for
 * StarCoderData's {@code content} column and the files pyarrow, DuckDB and parquet-mr write.
 *
 * <p>Supported: top-level (non-nested) {@code BYTE_ARRAY} columns, {@code REQUIRED} or {@code OPTIONAL};
 * data pages v1 and v2; dictionary pages; {@code PLAIN}, {@code PLAIN_DICTIONARY} and
 * {@code RLE_DICTIONARY} value encodings; RLE/bit-packed definition levels; codecs
 * {@code UNCOMPRESSED}, {@code SNAPPY}, {@code GZIP}, {@code ZSTD}, {@code LZ4_RAW} (through
 * aircompressor). Anything else (nested or repeated columns, {@code DELTA_*} encodings, LZO, Brotli,
 * Hadoop-framed LZ4, encryption) is refused with an {@link IOException} naming the file and the feature.
 * The footer is parsed from its Thrift compact encoding by {@link Thrift}, which reads every field
 * generically and keeps the few that are needed.
 */
public final class ParquetReader implements AutoCloseable {

    private static final byte[] MAGIC = {'P', 'A', 'R', '1'};

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Column> columns = new HashMap<>();
    private final List<Map<Integer, Object>> rowGroups;

    /** A leaf column of the schema. */
    private record Column(String name, int type, int maxDef, int maxRep) {}

    private ParquetReader(Path file, FileChannel channel, Map<Integer, Object> meta) throws IOException {
        this.file = file;
        this.channel = channel;
        List<Object> schema = list(meta, 2);
        walkSchema(schema, new int[] {1}, numChildren(schema.get(0)), "", 0, 0);
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
            if (!java.util.Arrays.equals(magic, MAGIC) || !java.util.Arrays.equals(head, MAGIC)) {
                throw new IOException(file + ": not a Parquet file (no PAR1 magic; encrypted footers are not supported)");
            }
            if (footerLength <= 0 || footerLength > size - 12) {
                throw new IOException(file + ": invalid Parquet footer length " + footerLength);
            }
            ByteBuffer footer = read(ch, size - 8 - footerLength, footerLength);
            Map<Integer, Object> meta;
            try {
                meta = new Thrift(footer).readStruct();
            } catch (RuntimeException e) {
                throw new IOException(file + ": invalid Parquet footer: " + e.getMessage(), e);
            }
            return new ParquetReader(file, ch, meta);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static int numChildren(Object element) {
        Object n = struct(element).get(5);
        return n == null ? 0 : ((Number) n).intValue();
    }

    /** Walks the depth-first schema list, recording leaves with their dotted paths and levels. */
    private void walkSchema(List<Object> schema, int[] next, int children, String prefix, int def, int rep) {
        for (int c = 0; c < children; c++) {
            Map<Integer, Object> e = struct(schema.get(next[0]++));
            String name = prefix + new String((byte[]) e.get(4), StandardCharsets.UTF_8);
            int repetition = e.get(3) == null ? 0 : ((Number) e.get(3)).intValue();
            int d = def + (repetition == 0 ? 0 : 1);
            int r = rep + (repetition == 2 ? 1 : 0);
            int n = e.get(5) == null ? 0 : ((Number) e.get(5)).intValue();
            if (n > 0) {
                walkSchema(schema, next, n, name + ".", d, r);
            } else {
                int type = e.get(1) == null ? -1 : ((Number) e.get(1)).intValue();
                columns.put(name, new Column(name, type, d, r));
            }
        }
    }

    /** Returns the number of row groups. */
    public int rowGroups() {
        return rowGroups.size();
    }

    /** Returns the number of rows of a row group. */
    public long rows(int rowGroup) {
        return ((Number) rowGroups.get(rowGroup).get(3)).longValue();
    }

    /** Returns the leaf column names (dotted for nested ones), in no particular order. */
    public List<String> columnNames() {
        return List.copyOf(columns.keySet());
    }

    /**
     * Reads one string column of one row group.
     *
     * @param rowGroup the row group, from 0
     * @param name the column's name
     * @return one string per row, null for a null value
     * @throws IOException if the column is missing or of an unsupported kind, or the data is invalid
     */
    public List<String> readStrings(int rowGroup, String name) throws IOException {
        Column column = columns.get(name);
        if (column == null) {
            throw new IOException(file + ": no column '" + name + "' (columns: " + String.join(", ", columns.keySet()) + ")");
        }
        if (column.type != 6) {
            throw new IOException(file + ": column '" + name + "' is not a string (BYTE_ARRAY) column");
        }
        if (column.maxRep > 0 || column.maxDef > 1) {
            throw new IOException(file + ": column '" + name + "' is nested or repeated, which is not supported");
        }
        Map<Integer, Object> chunkMeta = null;
        for (Object c : list(rowGroups.get(rowGroup), 1)) {
            Map<Integer, Object> cc = struct(c);
            if (cc.get(1) != null) {
                throw new IOException(file + ": column chunks in other files are not supported");
            }
            Map<Integer, Object> md = struct(cc.get(3));
            List<Object> path = list(md, 3);
            StringBuilder joined = new StringBuilder();
            for (Object p : path) {
                joined.append(joined.length() == 0 ? "" : ".").append(new String((byte[]) p, StandardCharsets.UTF_8));
            }
            if (joined.toString().equals(name)) {
                chunkMeta = md;
            }
        }
        if (chunkMeta == null) {
            throw new IOException(file + ": row group " + rowGroup + " has no chunk for column '" + name + "'");
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
        ByteBuffer chunk = read(channel, start, Math.toIntExact(length));
        List<String> out = new ArrayList<>((int) numValues);
        byte[][] dictionary = null;
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            while (out.size() < numValues) {
                Thrift thrift = new Thrift(chunk);
                Map<Integer, Object> header = thrift.readStruct();
                int pageType = ((Number) header.get(1)).intValue();
                int uncompressed = ((Number) header.get(2)).intValue();
                int compressed = ((Number) header.get(3)).intValue();
                ByteBuffer raw = chunk.slice(chunk.position(), compressed);
                chunk.position(chunk.position() + compressed);
                if (pageType == 2) {
                    Map<Integer, Object> dh = struct(header.get(7));
                    int n = ((Number) dh.get(1)).intValue();
                    ByteBuffer page = decompress(codec, raw, uncompressed);
                    dictionary = new byte[n][];
                    for (int i = 0; i < n; i++) {
                        dictionary[i] = plainValue(page);
                    }
                } else if (pageType == 0 || pageType == 3) {
                    readDataPage(column, codec, pageType, header, raw, uncompressed, dictionary, out, utf8);
                } else if (pageType != 1) {
                    throw new IOException("unknown page type " + pageType);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(file + ": invalid data in column '" + name + "' of row group " + rowGroup + ": " + e, e);
        }
        return out;
    }

    private void readDataPage(Column column, int codec, int pageType, Map<Integer, Object> header, ByteBuffer raw,
            int uncompressed, byte[][] dictionary, List<String> out, CharsetDecoder utf8) throws IOException {
        int numValues;
        int encoding;
        ByteBuffer page;
        ByteBuffer defLevels = null;
        if (pageType == 0) {
            Map<Integer, Object> dh = struct(header.get(5));
            numValues = ((Number) dh.get(1)).intValue();
            encoding = ((Number) dh.get(2)).intValue();
            page = decompress(codec, raw, uncompressed).order(ByteOrder.LITTLE_ENDIAN);
            if (column.maxDef > 0) {
                int len = page.getInt();
                defLevels = page.slice(page.position(), len);
                page.position(page.position() + len);
            }
        } else {
            Map<Integer, Object> dh = struct(header.get(8));
            numValues = ((Number) dh.get(1)).intValue();
            encoding = ((Number) dh.get(4)).intValue();
            int defLen = ((Number) dh.get(5)).intValue();
            int repLen = ((Number) dh.get(6)).intValue();
            boolean isCompressed = dh.get(7) == null || (Boolean) dh.get(7);
            defLevels = raw.slice(repLen, defLen);
            ByteBuffer values = raw.slice(repLen + defLen, raw.remaining() - repLen - defLen);
            page = isCompressed ? decompress(codec, values, uncompressed - repLen - defLen) : values;
            if (column.maxDef == 0) {
                defLevels = null;
            }
        }
        page = page.slice().order(ByteOrder.LITTLE_ENDIAN);
        int[] defs = new int[numValues];
        int nonNull = numValues;
        if (defLevels != null) {
            new Rle(defLevels.order(ByteOrder.LITTLE_ENDIAN), 1).read(defs, numValues);
            nonNull = 0;
            for (int d : defs) {
                nonNull += d;
            }
        } else {
            java.util.Arrays.fill(defs, 1);
        }
        int[] indices = null;
        if (encoding == 2 || encoding == 8) {
            if (dictionary == null) {
                throw new IOException("dictionary-encoded page without a dictionary page");
            }
            int bitWidth = page.get() & 0xff;
            indices = new int[nonNull];
            new Rle(page, bitWidth).read(indices, nonNull);
        } else if (encoding != 0) {
            throw new IOException(file + ": column '" + column.name + "' uses encoding " + encoding
                    + ", which is not supported (only PLAIN and dictionary encodings are)");
        }
        int k = 0;
        for (int i = 0; i < numValues; i++) {
            if (defs[i] == 0) {
                out.add(null);
                continue;
            }
            byte[] bytes = indices == null ? plainValue(page) : dictionary[indices[k++]];
            try {
                out.add(utf8.decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                throw new IOException(file + ": invalid UTF-8 in column '" + column.name + "'");
            }
        }
    }

    private static byte[] plainValue(ByteBuffer page) {
        int len = page.order(ByteOrder.LITTLE_ENDIAN).getInt();
        byte[] b = new byte[len];
        page.get(b);
        return b;
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

        private static long zigzag(long n) {
            return (n >>> 1) ^ -(n & 1);
        }
    }
}
