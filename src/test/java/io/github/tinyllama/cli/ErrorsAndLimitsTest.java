package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.RandomPacked;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The command line's promises about errors and limits (docs/safety.md, "Errors and limits"): bad option values
 * exit 2, failures are one line and exit 1 (the trace only with --verbose), absurd sizes are refused or clamped
 * before anything is allocated, and a failure found late never costs the work before it. Runs on tinyllama-nano.
 */
class ErrorsAndLimitsTest {

    private static final String NANO = Path.of("model-zoo", "nano").toString();
    private static final String ONE_RECORD = "{\"question\": \"q\", \"passage\": \"p\", \"label\": 1}\n";

    @TempDir
    static Path dir;

    static Stream<Arguments> badOptionValues() {
        return Stream.of(
                Arguments.of(List.of("generate", "x", "--temperature", "-1"), "temperature"),
                Arguments.of(List.of("generate", "x", "--temperature", "NaN"), "temperature"),
                Arguments.of(List.of("generate", "x", "--top-p", "0"), "top-p"),
                Arguments.of(List.of("generate", "x", "--top-p", "1.5"), "top-p"),
                Arguments.of(List.of("generate", "x", "--top-k", "-1"), "top-k"),
                Arguments.of(List.of("generate", "x", "--max-new-tokens", "-5"), "max new tokens"),
                Arguments.of(List.of("generate", "x", "--repetition-penalty", "0"), "repetition penalty"),
                Arguments.of(List.of("generate", "x", "--stop", ""), "stop"),
                Arguments.of(List.of("generate", "x", "--dtype", "int4"), "--compute-type"),
                Arguments.of(List.of("generate", "--prompt-ids", "1,4096"), "--prompt-ids: token id 4096"),
                Arguments.of(List.of("score", "--ids", "1,-3"), "--ids: token id -3"),
                Arguments.of(List.of("chat", "--top-p", "7"), "top-p"),
                Arguments.of(List.of("bench", "--prompt-tokens", "0"), "--prompt-tokens"),
                Arguments.of(List.of("bench", "--new-tokens", "-1"), "--new-tokens"),
                Arguments.of(List.of("eval", "--tasks", ","), "--tasks names no task"),
                Arguments.of(List.of("eval", "--tasks", "lambada"), "unknown task 'lambada'"),
                Arguments.of(List.of("eval", "--tasks", "boolq", "--batch-size", "0"), "--batch-size"),
                Arguments.of(List.of("eval", "--tasks", "boolq", "--limit", "-1"), "--limit"));
    }

    static Stream<Arguments> badTrainingValues() {
        List<String> finetune = List.of("finetune", "--data", "chats.jsonl", "--out", "never");
        List<String> pretrain = List.of("pretrain", "--data-dir", "data", "--config", "config.json", "--max-steps", "1",
                "--out", "never");
        List<String> prepare = List.of("prepare-data", "--tokenizer", NANO, "--input", "corpus", "--out", "never",
                "--prefix", "p");
        return Stream.of(
                Arguments.of(finetune, List.of("--lora", "--lora-rank", "0"), "--lora-rank"),
                Arguments.of(finetune, List.of("--lora-alpha", "-1"), "--lora-alpha"),
                Arguments.of(finetune, List.of("--lora-dropout", "1"), "--lora-dropout"),
                Arguments.of(finetune, List.of("--epochs", "0"), "--epochs"),
                Arguments.of(finetune, List.of("--warmup-ratio", "2"), "--warmup-ratio"),
                Arguments.of(finetune, List.of("--max-seq-len", "1"), "--max-seq-len"),
                Arguments.of(finetune, List.of("--lr", "0"), "--lr"),
                Arguments.of(finetune, List.of("--micro-batch-size", "0"), "--micro-batch-size"),
                Arguments.of(pretrain, List.of("--global-batch-size", "-4"), "--global-batch-size"),
                Arguments.of(pretrain, List.of("--grad-clip", "-1"), "--grad-clip"),
                Arguments.of(pretrain, List.of("--save-every", "-1"), "--save-every"),
                Arguments.of(prepare, List.of("--workers", "0"), "--workers"),
                Arguments.of(prepare, List.of("--chunk-tokens", "1"), "--chunk-tokens"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badTrainingValues")
    void aBadTrainingValueIsAUsageErrorBeforeAnyFileIsRead(List<String> command, List<String> bad, String named) {
        List<String> all = new java.util.ArrayList<>(command);
        all.addAll(bad);
        CliRun r = CliRun.of(all.toArray(String[]::new));
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(named), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(Path.of("never")), "nothing written");
    }

    @Test
    void prepareDataOfOnlyMalformedRecordsFailsAndWritesNothing() throws IOException {
        Path corpus = Files.createDirectories(dir.resolve("all-bad"));
        Files.writeString(corpus.resolve("a.jsonl"), "{not json\n{\"text\": 3}\n");
        Path out = dir.resolve("all-bad-out");
        CliRun r = CliRun.of("prepare-data", "--tokenizer", NANO, "--input", corpus.toString(), "--out", out.toString(),
                "--prefix", "p");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("no record of 1 input(s) could be read: 2 malformed record(s) skipped"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out) && Files.list(out).anyMatch(f -> f.getFileName().toString().startsWith("p_")),
                "no chunk written");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptionValues")
    void aBadOptionValueIsAUsageError(List<String> args, String named) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of("--model", NANO));
        CliRun r = CliRun.of(all.toArray(String[]::new));
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains(named), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void aRequestBeyondTheContextGeneratesUntilItIsFullAndSaysSo() {
        CliRun r = CliRun.of("generate", "--model", NANO, "--prompt-ids", "1,450", "--max-new-tokens", "1000000000",
                "--json", "--temperature", "1", "--seed", "3");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("--max-new-tokens 1000000000 is more than the model's context of 256"), r.err());
        JsonObject o = r.json();
        assertTrue(o.get("prompt_tokens").getAsInt() + o.get("generated_tokens").getAsInt() <= 257,
                "at most the context and the token sampled from its last position: " + o);
    }

    @Test
    void aContextOfABillionPositionsCostsNothingUntilUsed() throws IOException {
        Path model = copyOfNano("billion", "\"max_position_embeddings\": 256", "\"max_position_embeddings\": 1000000000");
        CliRun r = CliRun.of("generate", "--model", model.toString(), "--prompt", "Once upon", "--max-new-tokens", "8",
                "--json");
        assertEquals(0, r.status(), r.err());
        int generated = r.json().get("generated_tokens").getAsInt();
        assertTrue(generated >= 1 && generated <= 8, r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"num_hidden_layers\": 6|\"num_hidden_layers\": 1000000000",
        "\"hidden_size\": 256|\"hidden_size\": 1048576"})
    void absurdModelSizesAreRefusedBeforeAllocating(String change) throws IOException {
        String[] fromTo = change.split("\\|");
        Path model = copyOfNano("absurd-" + fromTo[0].split("\"")[1], fromTo[0], fromTo[1]);
        CliRun r = CliRun.of("score", "--model", model.toString(), "--ids", "1,2");
        assertEquals(1, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(model.resolve("config.json").toString()), r.err());
        assertTrue(r.err().contains("needs") || r.err().contains("has shape"), r.err());
    }

    @Test
    void aRandomCheckpointLargerThanTheDiskIsRefusedBeforeWriting() throws IOException {
        Path config = dir.resolve("huge-config.json");
        Files.writeString(config, Files.readString(Path.of(NANO, "config.json"))
                .replace("\"num_hidden_layers\": 6", "\"num_hidden_layers\": 100000000"));
        Path out = dir.resolve("huge-random");
        CliRun r = CliRun.of("random-checkpoint", out.toString(), "--config", config.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(out.toString()) && r.err().contains("free"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aTokenIdOutsideTheVocabularyNamesTheFileAndBlock() throws IOException {
        Path data = Files.createDirectories(dir.resolve("packed-big-vocab"));
        RandomPacked.write(data, 60_000, 9 * 8, 1, 4, "held");
        CliRun r = CliRun.of("held-out-loss", "--model", NANO, "--data-dir", data.toString(), "--prefix", "held",
                "--seq-len", "8", "--blocks", "8");
        assertEquals(1, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().matches("(?s).*" + java.util.regex.Pattern.quote(data.resolve("held_0000000000.bin")
                .toString()) + ": block \\d+ \\(token \\d+ of it\\) holds token id \\d+, outside the model's "
                + "vocabulary of 4096.*"), r.err());
    }

    @Test
    void anUnwritableOutputIsFoundBeforeScoring() throws IOException {
        Path blocker = Files.writeString(dir.resolve("a-file"), "x");
        CliRun r = evalBoolq("eval-data", ONE_RECORD, blocker.resolve("results.json"));
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains(blocker.resolve("results.json").toString()), r.err());
        assertFalse(r.err().contains("scored"), "nothing was scored: " + r.err());
    }

    @Test
    void anEmptyTaskFileIsAnErrorAndNoNanIsWritten() throws IOException {
        Path output = dir.resolve("empty-results.json");
        CliRun r = evalBoolq("empty-data", "\n", output);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains(dir.resolve("empty-data/boolq/validation.jsonl") + ": holds no records"), r.err());
        assertFalse(Files.exists(output));
    }

    @Test
    void evalResultsAreStrictJson() throws IOException {
        Path output = dir.resolve("one-results.json");
        CliRun r = evalBoolq("one-data", ONE_RECORD, output);
        assertEquals(0, r.status(), r.err());
        String json = Files.readString(output);
        assertFalse(json.contains("NaN") || json.contains("Infinity"), json);
        com.google.gson.stream.JsonReader strict = new com.google.gson.stream.JsonReader(new java.io.StringReader(json));
        strict.setStrictness(com.google.gson.Strictness.STRICT);
        assertTrue(JsonParser.parseReader(strict).isJsonObject());
    }

    @Test
    void chatCarriesOnWhenTheContextFills() {
        StringBuilder input = new StringBuilder();
        String longLine = "tell me a long story about the sea and the ships and the sailors ".repeat(4);
        for (int i = 0; i < 6; i++) {
            input.append(longLine).append(i).append('\n');
        }
        input.append("word ".repeat(400)).append('\n');
        input.append("and the last one\n");
        // Replies stop at a line break, so that each takes one line of the output.
        CliRun r = withStdin(input.toString(), () -> CliRun.of("chat", "--model", NANO, "--system", "Be brief.",
                "--max-new-tokens", "40", "--stop", "\n"));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("dropped its oldest"), r.err());
        assertTrue(r.err().contains("the message is too long"), r.err());
        assertEquals(7, r.out().lines().count(), "a reply to every message that fits: " + r.out());
    }

    /** Subcommands that fail in ways no input should cause. */
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final RuntimeException exception;
        private final Error error;

        Boom(RuntimeException exception, Error error) {
            this.exception = exception;
            this.error = error;
        }

        @Override
        public Integer call() {
            if (error != null) {
                throw error;
            }
            throw exception;
        }
    }

    static Stream<Arguments> unexpectedFailures() {
        return Stream.of(
                Arguments.of(new Boom(null, new OutOfMemoryError("Java heap space")), "out of memory (Java heap space)"
                        + ": try a smaller"),
                Arguments.of(new Boom(new EngineException("index out of range in self\nException raised from ..."),
                        null), "libtorch failed: index out of range in self (run with --verbose"),
                Arguments.of(new Boom(new EngineException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: "
                        + "can't allocate memory"), null), "libtorch ran out of memory"),
                Arguments.of(new Boom(new NullPointerException("x is null"), null), "internal error: "
                        + "java.lang.NullPointerException: x is null (please report it"),
                Arguments.of(new Boom(null, new StackOverflowError()), "stack overflow"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("unexpectedFailures")
    void anUnexpectedFailureIsOneLineAndTheTraceOnlyWithVerbose(Boom boom, String expected) {
        String[] quiet = run(boom, "boom");
        assertEquals("1", quiet[0]);
        assertEquals(1, quiet[1].lines().count(), quiet[1]);
        assertTrue(quiet[1].startsWith("tinyllama boom: error: " + expected), quiet[1]);

        for (String[] args : List.of(new String[] {"boom", "--verbose"}, new String[] {"--verbose", "boom"})) {
            String[] verbose = run(boom, args);
            assertEquals("1", verbose[0]);
            assertTrue(verbose[1].lines().count() > 2, verbose[1]);
            assertTrue(verbose[1].contains("\tat "), "the trace: " + verbose[1]);
        }
    }

    @Test
    void verboseIsAnOptionOfEveryCommand() {
        CliRun r = CliRun.of("generate", "--help");
        assertTrue(r.out().contains("--verbose"), r.out());
        CliRun failing = CliRun.of("generate", "--model", dir.resolve("missing").toString(), "x", "--verbose");
        assertEquals(1, failing.status());
        assertTrue(failing.err().contains("\tat "), failing.err());
    }

    private static String[] run(Boom boom, String... args) {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand("boom", boom);
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new String[] {String.valueOf(status), err.toString()};
    }

    /** Runs eval on BoolQ data written to {@code dir/name/boolq/validation.jsonl}. */
    private static CliRun evalBoolq(String name, String records, Path output) throws IOException {
        Path data = Files.createDirectories(dir.resolve(name).resolve("boolq"));
        Files.writeString(data.resolve("validation.jsonl"), records);
        return CliRun.of("eval", "--model", NANO, "--tasks", "boolq", "--data-dir", data.getParent().toString(),
                "--output", output.toString());
    }

    private static Path copyOfNano(String name, String from, String to) throws IOException {
        Path model = Files.createDirectories(dir.resolve(name));
        for (String file : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(Path.of(NANO, file), model.resolve(file));
        }
        String config = Files.readString(Path.of(NANO, "config.json"));
        assertTrue(config.contains(from), config);
        Files.writeString(model.resolve("config.json"), config.replace(from, to));
        return model;
    }

    private static CliRun withStdin(String text, java.util.function.Supplier<CliRun> run) {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return run.get();
        } finally {
            System.setIn(stdin);
        }
    }
}
