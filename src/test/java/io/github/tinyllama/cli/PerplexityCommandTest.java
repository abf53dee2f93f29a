package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.eval.Perplexity;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.TinyModels;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** {@code tinyllama perplexity}: the JSON record of the Java API, usage errors as status 2, bad files as 1. */
class PerplexityCommandTest {

    private static final String TEXT = "The quick brown fox jumps over the lazy dog. It was not amused, and said so.\n";

    @TempDir
    static Path dir;

    private static Path model;
    private static Path file;

    @BeforeAll
    static void write() throws IOException {
        model = TinyModels.withTokenizer(dir.resolve("model"), 5);
        file = Files.writeString(dir.resolve("text.txt"), TEXT);
    }

    @Test
    void jsonIsTheApisRecord() throws IOException {
        CliRun run = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString(),
                "--window", "8", "--stride", "3", "--batch-size", "2", "--json",
                "--compute-type", "float32"); // as TinyLlama.load holds it; auto would pick float16
        assertEquals(0, run.status(), run.err());
        JsonObject o = run.json();
        assertEquals(Set.of("tokens", "nll", "perplexity", "bits_per_byte", "window", "stride", "seconds"), o.keySet());
        Perplexity.Result expected;
        try (TinyLlama llm = TinyLlama.load(model)) {
            expected = Perplexity.builder().optWindow(8).optStride(3).build().evaluate(llm, TEXT);
        }
        assertEquals(expected.tokens(), o.get("tokens").getAsLong());
        // Batched (2 windows a pass) against one at a time: equal up to float32 rounding (PerplexityTest).
        assertEquals(expected.nll(), o.get("nll").getAsDouble(), 1e-6);
        assertEquals(Math.exp(o.get("nll").getAsDouble()), o.get("perplexity").getAsDouble(), 1e-9);
        assertEquals(expected.bitsPerByte(), o.get("bits_per_byte").getAsDouble(), 1e-6);
        assertEquals(8, o.get("window").getAsInt());
        assertEquals(3, o.get("stride").getAsInt());
        assertTrue(o.get("seconds").getAsDouble() > 0);
        assertTrue(run.err().contains("Scoring"), "progress bar on standard error: " + run.err());
    }

    @Test
    void withoutJsonOneReadableLine() {
        CliRun run = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString(), "--window", "16");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("perplexity ") && run.out().contains("window 16, stride 8"), run.out());
        assertEquals(1, run.out().lines().count(), run.out());
    }

    @Test
    void usageErrorsExitWithTwo() {
        String[][] bad = {
            {"--file", file.toString(), "--window", "8", "--stride", "8"},
            {"--file", file.toString(), "--batch-size", "0"},
            {"--file", file.toString(), "--dataset", "ptb"},
            {"--dataset", "wikitext103"},
            {"--dataset", "ptb", "--split", "dev"},
        };
        for (String[] args : bad) {
            String[] full = new String[args.length + 3];
            full[0] = "perplexity";
            full[1] = "--model";
            full[2] = model.toString();
            System.arraycopy(args, 0, full, 3, args.length);
            CliRun run = CliRun.of(full);
            assertEquals(2, run.status(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().startsWith("tinyllama perplexity: "), run.err());
        }
    }

    @Test
    void unreadableFilesFailWithOneLine() throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        for (Path bad : new Path[] {dir.resolve("missing.txt"), latin1}) {
            CliRun run = CliRun.of("perplexity", "--model", model.toString(), "--file", bad.toString());
            assertEquals(1, run.status(), run.err());
            assertEquals(1, run.err().lines().count(), run.err());
            assertTrue(run.err().contains(bad.toString()), run.err());
        }
    }

    @Test
    void aWindowWiderThanTheModelIsAFailedJobNamingTheContext() {
        CliRun run = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString(),
                "--window", "100000");
        assertEquals(1, run.status(), run.err());
        assertTrue(run.err().contains("exceeds the model's context"), run.err());
    }
}
