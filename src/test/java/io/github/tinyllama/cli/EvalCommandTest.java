package io.github.tinyllama.cli;

import io.github.tinyllama.testing.CliRun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.testing.TinyModels;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code tinyllama eval} on the fixture data sets and a random tiny model. */
class EvalCommandTest {

    @TempDir
    static Path dir;

    /** Named like a released checkpoint, so the table shows the paper's row beside ours. */
    private static Path model;
    private static Path data;

    @BeforeAll
    static void setUp() throws IOException, URISyntaxException {
        model = TinyModels.withTokenizer(dir.resolve("TinyLlama_v1.1"), 11);
        data = Path.of(EvalCommandTest.class.getResource("/eval/piqa/validation.jsonl").toURI()).getParent().getParent();
    }



    @Test
    void writesHarnessJsonSamplesAndThePaperTable() throws IOException {
        Path output = dir.resolve("results.json");
        Path samples = dir.resolve("samples.jsonl");
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--tasks", "piqa,boolq", "--limit", "2", "--batch-size", "2",
                "--data-dir", data.toString(), "--output", output.toString(), "--log-samples", samples.toString());
        assertEquals(0, r.status(), r.err());

        JsonObject results = JsonParser.parseString(Files.readString(output)).getAsJsonObject().getAsJsonObject("results");
        assertEquals(Set.of("piqa", "boolq"), results.keySet());
        JsonObject piqa = results.getAsJsonObject("piqa");
        assertTrue(piqa.keySet().containsAll(Set.of("acc", "acc_stderr", "acc_norm", "acc_norm_stderr")), piqa.toString());
        double acc = piqa.get("acc").getAsDouble();
        assertTrue(acc == 0 || acc == 0.5 || acc == 1, "two questions: " + acc);
        JsonObject boolq = results.getAsJsonObject("boolq");
        assertTrue(boolq.has("acc") && boolq.has("acc_stderr"));
        assertFalse(boolq.has("acc_norm"), "the harness reports acc only for boolq");

        List<String> lines = Files.readAllLines(samples);
        assertEquals(2 * 2 + 2 * 2, lines.size(), "one line per request");
        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals(Set.of("task", "doc_id", "context", "continuation", "loglikelihood", "is_greedy", "gold"),
                first.keySet());
        assertEquals("piqa", first.get("task").getAsString());
        assertEquals(0, first.get("doc_id").getAsInt());
        assertEquals("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:",
                first.get("context").getAsString());
        assertTrue(first.get("continuation").getAsString().startsWith(" Provide"), "leading space kept");
        assertTrue(first.get("loglikelihood").getAsDouble() < 0);
        assertEquals(0, first.get("gold").getAsInt());

        String[] table = r.out().split("\n");
        assertEquals("| Model | HellaSwag | Obqa | WinoGrande | ARC-c | ARC-e | boolq | piqa | Avg |", table[0]);
        assertTrue(table[2].startsWith("| " + model + " (this run) | – | – | – | – | – | "), table[2]);
        assertEquals("| TinyLlama v1.1 (paper) | 61.47 | 36.80 | 59.43 | 32.68 | 55.47 | 55.99 | 73.56 | 53.63 |",
                table[3]);
        assertTrue(r.err().contains("requests/s"), r.err());
    }

    @Test
    void missingDataIsReportedWithItsPathBeforeTheModelLoads() {
        CliRun r = CliRun.of("eval", "--model", dir.resolve("no-such-model").toString(), "--tasks", "hellaswag",
                "--data-dir", dir.resolve("nowhere").toString());
        assertEquals(1, r.status());
        // The tests run offline and the hub cache lacks the file: the error says where it goes and how to get it.
        assertTrue(r.err().startsWith("tinyllama eval: error: " + dir.resolve("nowhere").resolve("hellaswag")
                .resolve("validation.parquet") + ": missing data file"), r.err());
        assertTrue(r.err().contains("huggingface-cli download Rowan/hellaswag"), r.err());

        CliRun local = CliRun.of("eval", "--model", dir.resolve("no-such-model").toString(), "--tasks", "hellaswag",
                "--data-dir", dir.resolve("nowhere").toString(), "--no-download");
        assertEquals(1, local.status());
        assertTrue(local.err().contains("or let tinyllama eval download the hub's datasets/Rowan/hellaswag file"),
                local.err());
    }

    @Test
    void malformedDataIsReportedWithItsPathAndLine() throws IOException {
        Path bad = Files.createDirectories(dir.resolve("bad").resolve("boolq")).resolve("validation.jsonl");
        Files.writeString(bad, "{\"question\": \"q\", \"passage\": \"p\", \"label\": 1}\n{\"passage\": \"p\", \"question\": 3, \"label\": 0}\n");
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--tasks", "boolq", "--data-dir",
                dir.resolve("bad").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(bad + ":2: field 'question' must be a string"), r.err());
    }

    @Test
    void unknownTaskIsAnError() {
        CliRun r = CliRun.of("eval", "--model", model.toString(), "--tasks", "lambada", "--data-dir", data.toString());
        assertEquals(2, r.status(), "an unknown task is a usage error");
        assertTrue(r.err().contains("unknown task 'lambada'"), r.err());
    }
}
