package io.github.tinyllama.eval;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Task files written by pyarrow, the writer behind most of the hub's Parquet files ({@code src/test/resources/pyarrow/},
 * see its README): with pyarrow's defaults and in six other layouts, they give the JSON Lines fixtures' records.
 */
class PyarrowTasksTest {

    @ParameterizedTest
    @CsvSource({"hellaswag, validation", "openbookqa, test", "winogrande, validation", "arc_easy, test",
        "arc_challenge, test", "boolq, validation", "piqa, validation", "mmlu, dev", "mmlu, test"})
    void pyarrowDefaultsGiveTheJsonLinesRecords(String dataset, String split) throws IOException {
        EvalFixtures.assertSameRecords(dataset, split, pyarrow("defaults"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd-v2-pages", "gzip-no-dictionary", "lz4-small-pages-row-groups", "uncompressed-delta",
        "snappy-noncompliant-lists", "format-1.0"})
    void everyPyarrowLayoutGivesTheJsonLinesRecords(String variant) throws IOException {
        EvalFixtures.assertSameRecords("hellaswag", "validation", pyarrow(variant));
    }

    static Path pyarrow(String variant) {
        try {
            return Path.of(PyarrowTasksTest.class.getResource("/pyarrow/README.md").toURI()).resolveSibling(variant);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
