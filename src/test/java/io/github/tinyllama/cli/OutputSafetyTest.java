package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.data.PackedDataset;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.util.RunDirectory;
import io.github.tinyllama.util.RunManifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Every command that writes a directory owns it: a new run never mixes with an old one, a resume
 * only continues its own run, and whole outputs replace what was there only with --overwrite.
 */
class OutputSafetyTest {

    @TempDir
    Path dir;

    @Test
    void aNewRunInAnOldRunsDirectoryIsRefusedAndOverwriteStartsClean() throws IOException {
        TinyRun tiny = TinyRun.in(dir);
        Path out = dir.resolve("run");
        ok(CliRun.of(tiny.args(out, 4)));
        byte[] four = Files.readAllBytes(out.resolve("model.safetensors"));

        CliRun again = CliRun.of(tiny.args(out, 2));
        failsWith(again, out + " holds a pretrain run already: give --resume to continue it, --overwrite");
        CliRun shorter = CliRun.of(tiny.args(out, 2, "--resume"));
        failsWith(shorter, "step-00000004 is at step 4 but this run has 2 steps");
        CliRun otherSeed = CliRun.of(tiny.args(out, 4, "--resume", "--seed", "5"));
        failsWith(otherSeed, "belongs to another run (its seed 3407 → 5)");
        assertArrayEquals(four, Files.readAllBytes(out.resolve("model.safetensors")), "refusals touch nothing");

        ok(CliRun.of(tiny.args(out, 2, "--overwrite")));
        assertEquals(List.of(".tinyllama.lock", "config.json", "model.safetensors", "step-00000001", "step-00000002",
                "tinyllama-run.json"), names(out), "the old run's later checkpoints are gone");
        CliRun resumed = CliRun.of(tiny.args(out, 4, "--resume"));
        ok(resumed);
        assertTrue(resumed.err().contains("resuming with changed settings: max_steps 2 → 4"), resumed.err());
        // A run begun before runs kept manifests is refused as unknown files, and adopted by --resume.
        Files.delete(out.resolve(RunManifest.FILE_NAME));
        failsWith(CliRun.of(tiny.args(out, 4)), "is not empty and holds no tinyllama run");
        CliRun adopted = CliRun.of(tiny.args(out, 4, "--resume"));
        ok(adopted);
        assertTrue(adopted.err().contains("resuming a run begun without a manifest"), adopted.err());
        assertTrue(Files.isRegularFile(out.resolve(RunManifest.FILE_NAME)));

        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        failsWith(CliRun.of(tiny.args(foreign, 1, "--resume")), "is not empty and holds no tinyllama run");
        assertEquals("mine", Files.readString(foreign.resolve("notes.txt")));
        failsWith(CliRun.of(tiny.args(out, 1, "--resume", "--overwrite")), "give one");
    }

    @Test
    void aSecondRunOnALockedDirectoryFailsAtOnce() throws IOException {
        TinyRun tiny = TinyRun.in(dir);
        Path out = dir.resolve("run");
        try (RunDirectory held = RunDirectory.open(out, RunManifest.of("pretrain"), RunDirectory.Start.NEW)) {
            CliRun second = CliRun.of(tiny.args(out, 1));
            failsWith(second, out + " is in use by another run (tinyllama pretrain, pid "
                    + ProcessHandle.current().pid());
        }
        ok(CliRun.of(tiny.args(out, 1)));
    }

    @Test
    void whatARunNeedsIsCheckedBeforeItStarts() throws IOException {
        TinyRun tiny = TinyRun.in(dir);
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Path out = dir.resolve("run");
        failsWith(CliRun.of(tiny.args(out, 1, "--metrics", file.resolve("m.jsonl").toString())), "--metrics");
        failsWith(CliRun.of(tiny.args(out, 1, "--metrics", dir.resolve("m.jsonl").toString(), "--plot",
                dir.toString())), "--plot " + dir + ": is a directory");
        String[] longer = tiny.args(out, 1);
        longer[List.of(longer).indexOf("--seq-len") + 1] = "128";
        failsWith(CliRun.of(longer),
                "--seq-len 128 is longer than the model's context (max_position_embeddings 64)");
        assertFalse(Files.exists(out), "nothing is written before the checks pass");

        Path data = Files.writeString(dir.resolve("chat.jsonl"), "{\"prompt\": \"a\", \"response\": \"b\"}\n");
        failsWith(CliRun.of("finetune", "--model", "model-zoo/nano", "--data", data.toString(), "--out",
                out.toString(), "--max-seq-len", "300"), "max-seq-len 300 is longer than the model's context");
        ok(CliRun.of(tiny.args(out, 1)));
        failsWith(CliRun.of("finetune", "--model", "model-zoo/nano", "--data", data.toString(), "--out",
                out.toString(), "--resume"), "belongs to another run (it was written by 'pretrain', not 'finetune')");
    }

    @Test
    void prepareDataReplacesACorpusOnlyWithOverwriteAndNeverLeavesAPartialOne() throws IOException {
        Path out = dir.resolve("data");
        Path big = corpus("big.jsonl", 60);
        Path small = corpus("small.jsonl", 20);
        ok(prepare(big, "x"));
        List<Path> bigChunks = PackedDataset.listFiles(out, "x");
        assertTrue(bigChunks.size() > 3, "chunks: " + bigChunks);

        failsWith(prepare(small, "x"), out + " already holds " + bigChunks.size() + " 'x' chunks of another corpus");
        assertEquals(bigChunks, PackedDataset.listFiles(out, "x"));
        ok(prepare(small, "y"));
        ok(prepare(small, "x", "--overwrite"));
        assertEquals(PackedDataset.listFiles(out, "y").size(), PackedDataset.listFiles(out, "x").size(),
                "no chunk of the old corpus is left beside the new ones");
        ok(prepare(small, "x"));

        // A truncated input fails the run and leaves the prefix as it was: no partial set, no temporary files.
        Path truncated = dir.resolve("corpus/cut.jsonl.gz");
        byte[] whole = gzip(Files.readString(big));
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
        List<Path> before = PackedDataset.listFiles(out, "x");
        assertEquals(1, prepare(truncated, "x", "--overwrite").status());
        assertEquals(before, PackedDataset.listFiles(out, "x"));
        assertEquals(1, prepare(truncated, "z").status());
        assertEquals(List.of(), PackedDataset.listFiles(out, "z"));
        assertTrue(names(out).stream().noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".lock")), names(out).toString());
    }

    @Test
    void wholeOutputsReplaceANonEmptyDirectoryOnlyWithOverwrite() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("tokenizer.json"), "{\"a leftover\": true}");
        failsWith(CliRun.of("random-checkpoint", model.toString(), "--seed", "1"),
                model + " is not empty (tokenizer.json, ...): give --overwrite");
        ok(CliRun.of("random-checkpoint", model.toString(), "--seed", "1", "--overwrite"));
        assertFalse(Files.exists(model.resolve("tokenizer.json")), "the leftover tokenizer is gone");
        ok(CliRun.of("random-checkpoint", model.toString(), "--seed", "1"));
        failsWith(CliRun.of("random-checkpoint", model.toString(), "--seed", "2"),
                "holds another output (its seed 1 → 2)");

        Path lit = dir.resolve("lit");
        Files.createDirectories(lit.resolve("old"));
        failsWith(CliRun.of("convert", "--from", model.toString(), "--to", lit.toString(), "--format", "lit"),
                "give --overwrite");
        ok(CliRun.of("convert", "--from", model.toString(), "--to", lit.toString(), "--format", "lit", "--overwrite"));
        assertEquals(List.of("config.json", "generation_config.json", "lit_model.pth", "tinyllama-run.json"), names(lit));
        assertEquals(List.of("lit", "model"), names(dir).stream().filter(n -> !n.startsWith("junit")).toList(),
                "no temporary directory or lock is left beside the outputs");
    }

    private Path corpus(String name, int documents) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < documents; i++) {
            text.append("{\"text\": \"Document ").append(i).append(" of ").append(name).append(": the cat sat.\"}\n");
        }
        Path file = dir.resolve("corpus").resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private CliRun prepare(Path input, String prefix, String... more) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("prepare-data", "--tokenizer",
                SharedTokenizer.convertedDir().toString(), "--input", input.toString(), "--out",
                dir.resolve("data").toString(), "--prefix", prefix, "--eos", "--chunk-tokens", "64", "--quiet"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void ok(CliRun run) {
        assertEquals(0, run.status(), run.err());
    }

    private static void failsWith(CliRun run, String message) {
        assertEquals(1, run.status(), run.err());
        assertTrue(run.err().contains(message), run.err());
        assertEquals(1, run.err().strip().lines().filter(l -> l.contains(": error: ")).count(), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    }
}
