package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Parquet twins of the JSON Lines fixtures ({@code src/test/resources/eval-parquet/}, written by DuckDB with the
 * column types of the hub's files: lists of strings, structs of lists, int32 and int64 labels; Snappy, zstd, gzip,
 * LZ4 and no compression; data pages v1 and v2) give the same records, field for field, and so the same requests.
 */
class ParquetTasksTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"hellaswag, validation", "openbookqa, test", "winogrande, validation", "arc_easy, test",
        "arc_challenge, test", "boolq, validation", "piqa, validation", "mmlu, dev", "mmlu, test"})
    void parquetRecordsEqualTheJsonLinesRecords(String dataset, String split) throws IOException {
        List<Doc> parquet = EvalFixtures.assertSameRecords(dataset, split, EvalFixtures.parquetDir());
        for (int i = 0; i < parquet.size(); i++) {
            assertEquals(i + 1, parquet.get(i).line());
        }
    }

    @Test
    void everyTaskBuildsTheSameRequestsFromParquet() throws IOException {
        List<Item> json = Evaluator.plan(List.of(Task.values()), EvalFixtures.dataDir(), 0).items();
        List<Item> parquet = Evaluator.plan(List.of(Task.values()), EvalFixtures.parquetDir(), 0).items();
        assertFalse(json.isEmpty());
        assertEquals(json, parquet);
    }

    @Test
    void aBadFieldInAParquetFileNamesTheFileAndRow() throws IOException {
        // PIQA's label is an int64 column; a HellaSwag file put where PIQA belongs lacks its fields.
        Path piqa = Files.createDirectories(tmp.resolve("piqa")).resolve("validation.parquet");
        Files.copy(EvalFixtures.parquetDir().resolve("hellaswag").resolve("validation.parquet"), piqa);
        DataException e = assertThrows(DataException.class, () -> Evaluator.plan(List.of(Task.PIQA), tmp, 0));
        assertEquals(piqa + ": row 1: field 'goal' is missing", e.getMessage());
    }

    @Test
    void jsonLinesWinWhenBothFilesAreThere() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("boolq"));
        Files.copy(EvalFixtures.parquetDir().resolve("boolq").resolve("validation.parquet"),
                dir.resolve("validation.parquet"));
        Files.writeString(dir.resolve("validation.jsonl"),
                "{\"question\": \"q\", \"passage\": \"p\", \"idx\": 0, \"label\": 0}\n");
        assertEquals(1, DataFiles.read(tmp, "boolq", "validation").size());
    }
}
