package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Nested and typed columns read back exactly as DuckDB, which wrote the files, exports the same rows to JSON
 * (fixtures and the script that made them: {@code src/test/resources/io/github/tinyllama/data/}).
 */
class ParquetReaderTest {

    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        try {
            return Path.of(ParquetReaderTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonObject> expected(String jsonl) throws IOException {
        List<JsonObject> rows = new ArrayList<>();
        for (String line : Files.readAllLines(fixture(jsonl))) {
            rows.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return rows;
    }

    @ParameterizedTest
    @CsvSource({"nested_v1_snappy.parquet, nested.jsonl, 1", "nested_v2_zstd.parquet, nested.jsonl, 1",
        "grouped_gzip.parquet, grouped.jsonl, 2"})
    void rowsEqualTheWritersOwnJsonExport(String parquet, String jsonl, int rowGroups) throws IOException {
        List<JsonObject> want = expected(jsonl);
        List<JsonObject> got = new ArrayList<>();
        try (ParquetReader reader = ParquetReader.open(fixture(parquet))) {
            assertEquals(rowGroups, reader.rowGroups());
            for (int g = 0; g < reader.rowGroups(); g++) {
                got.addAll(reader.readRows(g));
            }
        }
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            // Gson compares numbers by value, so int32 1 equals the JSON 1 and float 0.5 the JSON 0.5.
            assertEquals(want.get(i), got.get(i), parquet + " row " + i);
        }
    }

    @Test
    void nestedColumnsAreNotReadAsFlatStrings() throws IOException {
        try (ParquetReader reader = ParquetReader.open(fixture("nested_v1_snappy.parquet"))) {
            assertTrue(reader.columnNames().contains("choices.text.list.element"), reader.columnNames().toString());
            IOException e = assertThrows(IOException.class, () -> reader.readStrings(0, "tags.list.element"));
            assertTrue(e.getMessage().endsWith("column 'tags.list.element' is nested or repeated; read it with readRows"),
                    e.getMessage());
            assertEquals("word 3", reader.readStrings(0, "word").get(3));
        }
    }

    @Test
    void corruptDataNamesTheFileColumnAndRowGroup() throws IOException {
        Path bad = tmp.resolve("bad.parquet");
        byte[] bytes = Files.readAllBytes(fixture("grouped_gzip.parquet"));
        // The first column chunk starts right after the magic: spoil its page header.
        for (int i = 4; i < 12; i++) {
            bytes[i] = (byte) 0xff;
        }
        Files.write(bad, bytes);
        try (ParquetReader reader = ParquetReader.open(bad)) {
            IOException e = assertThrows(IOException.class, () -> reader.readRows(0));
            assertTrue(e.getMessage().startsWith(bad + ": column 'id' of row group 0: "), e.getMessage());
        }
    }
}
