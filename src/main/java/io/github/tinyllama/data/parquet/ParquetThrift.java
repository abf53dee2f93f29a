/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

/**
 * The numbers of {@code parquet.thrift} this reader uses: field ids of the footer and page header structs,
 * each in a class named after its struct, and the values of the enums. Names follow the Thrift file, so
 * {@code ColumnMetaData.DATA_PAGE_OFFSET} there is {@code ColumnMetaData.DATA_PAGE_OFFSET} here.
 */
public final class ParquetThrift {
    private ParquetThrift() {}

    /** {@code struct FileMetaData}, the footer. */
    public static final class FileMetaData {
        public static final int SCHEMA = 2;
        public static final int ROW_GROUPS = 4;

        private FileMetaData() {}
    }

    /** {@code struct SchemaElement}, one node of the depth-first schema list. */
    public static final class SchemaElement {
        public static final int TYPE = 1;
        public static final int REPETITION_TYPE = 3;
        public static final int NAME = 4;
        public static final int NUM_CHILDREN = 5;
        public static final int CONVERTED_TYPE = 6;
        public static final int LOGICAL_TYPE = 10;

        private SchemaElement() {}
    }

    /** {@code union LogicalType}: which member is set says the type. */
    public static final class LogicalType {
        public static final int MAP = 2;
        public static final int LIST = 3;

        private LogicalType() {}
    }

    /** {@code enum ConvertedType}, the legacy annotations of groups. */
    public static final class ConvertedType {
        public static final int MAP = 1;
        public static final int MAP_KEY_VALUE = 2;
        public static final int LIST = 3;

        private ConvertedType() {}
    }

    /** {@code struct RowGroup}. */
    public static final class RowGroup {
        public static final int COLUMNS = 1;
        public static final int NUM_ROWS = 3;

        private RowGroup() {}
    }

    /** {@code struct ColumnChunk}. */
    public static final class ColumnChunk {
        public static final int FILE_PATH = 1;
        public static final int META_DATA = 3;

        private ColumnChunk() {}
    }

    /** {@code struct ColumnMetaData}. */
    public static final class ColumnMetaData {
        public static final int PATH_IN_SCHEMA = 3;
        public static final int CODEC = 4;
        public static final int NUM_VALUES = 5;
        public static final int TOTAL_COMPRESSED_SIZE = 7;
        public static final int DATA_PAGE_OFFSET = 9;
        public static final int DICTIONARY_PAGE_OFFSET = 11;

        private ColumnMetaData() {}
    }

    /** {@code struct PageHeader}. */
    public static final class PageHeader {
        public static final int TYPE = 1;
        public static final int UNCOMPRESSED_PAGE_SIZE = 2;
        public static final int COMPRESSED_PAGE_SIZE = 3;
        public static final int DATA_PAGE_HEADER = 5;
        public static final int DICTIONARY_PAGE_HEADER = 7;
        public static final int DATA_PAGE_HEADER_V2 = 8;

        private PageHeader() {}
    }

    /** {@code struct DataPageHeader} (data page v1). */
    public static final class DataPageHeader {
        public static final int NUM_VALUES = 1;
        public static final int ENCODING = 2;

        private DataPageHeader() {}
    }

    /** {@code struct DictionaryPageHeader}. */
    public static final class DictionaryPageHeader {
        public static final int NUM_VALUES = 1;

        private DictionaryPageHeader() {}
    }

    /** {@code struct DataPageHeaderV2}. */
    public static final class DataPageHeaderV2 {
        public static final int NUM_VALUES = 1;
        public static final int ENCODING = 4;
        public static final int DEFINITION_LEVELS_BYTE_LENGTH = 5;
        public static final int REPETITION_LEVELS_BYTE_LENGTH = 6;
        public static final int IS_COMPRESSED = 7;

        private DataPageHeaderV2() {}
    }

    /** {@code enum PageType}. */
    public static final class PageType {
        public static final int DATA_PAGE = 0;
        public static final int INDEX_PAGE = 1;
        public static final int DICTIONARY_PAGE = 2;
        public static final int DATA_PAGE_V2 = 3;

        private PageType() {}
    }

    /** {@code enum Type}, the physical types. */
    public static final class Type {
        public static final int BOOLEAN = 0;
        public static final int INT32 = 1;
        public static final int INT64 = 2;
        public static final int FLOAT = 4;
        public static final int DOUBLE = 5;
        public static final int BYTE_ARRAY = 6;

        private Type() {}
    }

    /** {@code enum FieldRepetitionType}. */
    public static final class FieldRepetitionType {
        public static final int REQUIRED = 0;
        public static final int OPTIONAL = 1;
        public static final int REPEATED = 2;

        private FieldRepetitionType() {}
    }

    /** {@code enum Encoding}. */
    public static final class Encoding {
        public static final int PLAIN = 0;
        public static final int PLAIN_DICTIONARY = 2;
        public static final int RLE = 3;
        public static final int DELTA_BINARY_PACKED = 5;
        public static final int DELTA_LENGTH_BYTE_ARRAY = 6;
        public static final int DELTA_BYTE_ARRAY = 7;
        public static final int RLE_DICTIONARY = 8;
        public static final int BYTE_STREAM_SPLIT = 9;

        private Encoding() {}
    }

    /** {@code enum CompressionCodec}. */
    public static final class CompressionCodec {
        public static final int UNCOMPRESSED = 0;
        public static final int SNAPPY = 1;
        public static final int GZIP = 2;
        public static final int ZSTD = 6;
        public static final int LZ4_RAW = 7;

        private CompressionCodec() {}
    }
}
