package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * Task files written by pyarrow, the writer behind most of the hub's Parquet files ({@code src/test/resources/pyarrow/},
 * see its README): with pyarrow's defaults and in six other layouts, they give the JSON Lines fixtures' records.
 */
class PyarrowTasksTest {

    @ParameterizedTest
    @CsvSource({"hellaswag, validation", "openbookqa, test", "winogrande, validation", "arc_easy, test",
        "arc_challenge, test", "boolq, validation", "piqa, validation", "mmlu, dev", "mmlu, test"})
    void pyarrowDefaultsGiveTheJsonLinesRecords(String dataset, String split) throws IOException {
        assertSameRecords(dataset, split, pyarrow("defaults"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd-v2-pages", "gzip-no-dictionary", "lz4-small-pages-row-groups", "uncompressed-delta",
        "snappy-noncompliant-lists", "format-1.0"})
    void everyPyarrowLayoutGivesTheJsonLinesRecords(String variant) throws IOException {
        assertSameRecords("hellaswag", "validation", pyarrow(variant));
    }

    private static void assertSameRecords(String dataset, String split, Path dir) throws IOException {
        List<Doc> json = DataFiles.read(EvalFixtures.dataDir(), dataset, split);
        List<Doc> parquet = DataFiles.read(dir, dataset, split);
        assertTrue(parquet.get(0).file().toString().endsWith(".parquet"));
        assertEquals(json.size(), parquet.size());
        for (int i = 0; i < json.size(); i++) {
            JsonObject expected = json.get(i).fields().deepCopy();
            JsonElement label = expected.get("label");
            if (dataset.equals("hellaswag") && label.getAsJsonPrimitive().isNumber()) {
                // The hub's HellaSwag label column is a string, and so is the one pyarrow was given.
                expected.addProperty("label", label.getAsString());
            }
            assertEquals(expected, parquet.get(i).fields(), dir + ": " + dataset + "/" + split + " record " + i);
        }
    }

    static Path pyarrow(String variant) {
        try {
            return Path.of(PyarrowTasksTest.class.getResource("/pyarrow/README.md").toURI()).resolveSibling(variant);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
