package io.github.tinyllama.eval;

import java.net.URISyntaxException;
import java.nio.file.Path;

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

    private static Path twoUp(String resource) {
        try {
            return Path.of(EvalFixtures.class.getResource(resource).toURI()).getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
