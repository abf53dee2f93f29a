package io.github.tinyllama.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.eval.Reports;
import io.github.tinyllama.eval.Task;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What the Spark tests share: the model, the data, running the command line, reading outputs, references. */
final class Jobs {

    /** The small model of this repository (6 layers, context 256), by its absolute path as executors need it. */
    static final Path NANO = Path.of("model-zoo/nano").toAbsolutePath();

    /** The core tests' evaluation fixtures: a few records per task, MMLU prompts longer than nano's context. */
    static final Path EVAL_DATA = Path.of("src/test/resources/eval").toAbsolutePath();

    static final String ALL_TASKS = "hellaswag,openbookqa,winogrande,arc_challenge,arc_easy,boolq,piqa,mmlu";

    /** Fields of generate --json that are timings, not results. */
    private static final List<String> TIMINGS = List.of("prefill_seconds", "decode_seconds", "decode_tokens_per_second");

    private Jobs() {}

    /** An exit status and what the command wrote on standard error. */
    record Run(int status, String err) {}

    /** Runs {@code tinyllama-spark} in this JVM (in the running session, which it leaves running). */
    static Run run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = SparkMain.run(args);
        } finally {
            System.setErr(err);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        err.print(text);
        return new Run(status, text);
    }

    /** The rows of a JSON Lines output directory, part files in name order, without timings. */
    static List<JsonObject> rows(Path dir) throws IOException {
        assertTrue(Files.isRegularFile(dir.resolve("_SUCCESS")), dir + " is complete");
        List<JsonObject> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path part : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    TIMINGS.forEach(o::remove);
                    out.add(o);
                }
            }
        }
        return out;
    }

    /** JSON lines with a prompt each, numbered ids, and a blank line after the third (which keeps its number). */
    static Path prompts(Path dir, int count) throws IOException {
        String[] starts = {"public static void", "int x =", "for (int i", "return new", "if (a", "import java."};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            s.append("{\"id\":\"p").append(i).append("\",\"prompt\":\"").append(starts[i % starts.length])
                    .append("\"}\n");
            if (i == 2) {
                s.append("\n");
            }
        }
        return Files.writeString(dir.resolve("prompts-" + count + ".jsonl"), s.toString());
    }

    /** The line index of prompt {@code i} of {@link #prompts}. */
    static long line(int i) {
        return i <= 2 ? i : i + 1;
    }

    /** Checks rows of a generate job against each prompt decoded alone, with its row's seed. */
    static void assertGeneratedAlone(TinyLlama llm, Sampling sampling, List<JsonObject> rows, int count) {
        assertEquals(count, rows.size(), "one row per prompt");
        for (int i = 0; i < count; i++) {
            JsonObject row = rows.get(i);
            assertEquals("p" + i, row.get("id").getAsString(), "the id is carried through, in input order");
            assertEquals(line(i), row.get("row").getAsLong());
            long[] prompt = llm.tokenizer().encode(row.get("prompt").getAsString());
            GenerationResult alone = llm.generate(prompt, sampling.config(line(i)), text -> {});
            assertEquals(alone.text(), row.get("text").getAsString(), "row " + i);
            assertEquals(alone.generatedTokens(), row.get("generated_tokens").getAsInt(), "row " + i);
        }
    }

    /**
     * Checks an eval job's outputs against {@code tinyllama eval}'s on one machine: the same metrics and samples,
     * log-likelihoods within 1e-4 (the bound: the rounding of other batches moves them by about 1e-6).
     */
    static void assertSameAsOneMachine(Evaluator.Results single, Path resultsJson, Path samples) throws IOException {
        JsonObject theirs = JsonParser.parseString(Files.readString(resultsJson)).getAsJsonObject();
        assertEquals(Reports.resultsJson(single, "nano").getAsJsonObject("results"), theirs.getAsJsonObject("results"));
        List<String> lines = Files.readAllLines(samples, StandardCharsets.UTF_8);
        assertEquals(single.samples().size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonObject want = JsonParser.parseString(Reports.sampleLine(single.samples().get(i))).getAsJsonObject();
            JsonObject got = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            double ll = want.remove("loglikelihood").getAsDouble();
            JsonElement gotLl = got.remove("loglikelihood");
            assertEquals(ll, gotLl.getAsDouble(), 1e-4, "sample " + i);
            assertEquals(want, got, "sample " + i);
        }
    }

    /** tinyllama eval of every fixture task on nano, on one machine. */
    static Evaluator.Results oneMachineEval(TinyLlama llm) throws IOException {
        return Evaluator.plan(List.of(Task.values()), EVAL_DATA, 0).run(llm, 16, true, Evaluator.Listener.NONE);
    }

    /** The arguments of an eval job over every fixture task. */
    static String[] evalArgs(Path dir, String name, int partitions) {
        return new String[] {"eval", "--model", NANO.toString(), "--tasks", ALL_TASKS, "--data-dir", EVAL_DATA.toString(),
            "--no-download", "--partitions", String.valueOf(partitions), "--output",
            dir.resolve(name + ".json").toString(), "--log-samples", dir.resolve(name + ".jsonl").toString()};
    }
}
