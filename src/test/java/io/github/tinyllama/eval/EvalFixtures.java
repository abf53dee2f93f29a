package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** The small data sets under {@code src/test/resources/eval/}, a few records per task in the published layout. */
final class EvalFixtures {

    private EvalFixtures() {}

    /** The fixture data directory. */
    static Path dataDir() {
        return twoUp("/eval/hellaswag/validation.jsonl");
    }

    /**
     * The Parquet twins of the fixtures, written by DuckDB with the hub's column types
     * ({@code src/test/resources/eval-parquet/make_parquet.mjs}).
     */
    static Path parquetDir() {
        return twoUp("/eval-parquet/hellaswag/validation.parquet");
    }

    /**
     * Asserts that the Parquet files of a task split under {@code parquetDir} hold the JSON Lines fixture's
     * records, field for field.
     *
     * @return the Parquet records, for further checks
     */
    static List<Doc> assertSameRecords(String dataset, String split, Path parquetDir) throws IOException {
        List<Doc> json = DataFiles.read(dataDir(), dataset, split);
        List<Doc> parquet = DataFiles.read(parquetDir, dataset, split);
        assertTrue(parquet.get(0).file().toString().endsWith(".parquet"));
        assertEquals(json.size(), parquet.size());
        for (int i = 0; i < json.size(); i++) {
            JsonObject expected = json.get(i).fields().deepCopy();
            JsonElement label = expected.get("label");
            if (dataset.equals("hellaswag") && label.getAsJsonPrimitive().isNumber()) {
                // One JSON fixture record writes HellaSwag's label as a number, to test that both spellings are
                // read; the hub's column (and so every Parquet twin's) is a string.
                expected.addProperty("label", label.getAsString());
            }
            assertEquals(expected, parquet.get(i).fields(), parquetDir + ": " + dataset + "/" + split + " record " + i);
        }
        return parquet;
    }

    private static Path twoUp(String resource) {
        try {
            return Path.of(EvalFixtures.class.getResource(resource).toURI()).getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
