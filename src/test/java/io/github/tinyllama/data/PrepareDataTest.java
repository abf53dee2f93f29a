package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.cli.Main;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** End to end with the real Llama-2 tokenizer (skipped when it is absent). */
class PrepareDataTest {

    @TempDir
    static Path dir;

    private static Path corpus;

    @BeforeAll
    static void writeCorpus() throws IOException {
        corpus = dir.resolve("corpus");
        Files.createDirectories(corpus.resolve("sub"));
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String set = i % 5 == 0 ? "RedPajamaGithub" : "RedPajamaC4";
            jsonl.append(String.format(Locale.ROOT,
                    "{\"text\": \"Document %d: the quick brown fox jumps over the lazy dog %d times.\", "
                            + "\"meta\": {\"redpajama_set_name\": \"%s\"}}%n", i, i * 7, set));
            if (i == 100) {
                jsonl.append("{broken\n");
            }
        }
        Files.writeString(corpus.resolve("b.jsonl"), jsonl);
        Files.writeString(corpus.resolve("sub/a.txt"), "A plain text file.\nIt is one document.\n");
        Files.write(corpus.resolve("sub/c.parquet"), PackedWriterTest.resource("many_rows.parquet"));
    }

    private static List<byte[]> run(LlamaTokenizer tok, int workers, Path out) throws IOException {
        PrepareData.Summary s = PrepareData.builder(tok, out, "train_slim").optEos(true).optWorkers(workers).optChunkTokens(257)
                .optFilters(List.of(FieldFilter.parse("meta.redpajama_set_name!=RedPajamaGithub")))
                .build().run(List.of(corpus));
        assertEquals(3, s.inputs());
        assertEquals(1, s.skipped());
        assertEquals(40, s.filtered());
        assertEquals(160 + 1 + 300, s.documents());
        assertEquals(s.tokensWritten() + s.discardedTokens(), s.tokens());
        assertEquals(s.tokensWritten() / 257, s.files().size());
        List<byte[]> files = new ArrayList<>();
        for (Path f : s.files()) {
            files.add(Files.readAllBytes(f));
        }
        return files;
    }

    @Test
    void sameBytesWhateverTheWorkers() throws IOException {
        LlamaTokenizer tok = SharedTokenizer.tokenizer();
        List<byte[]> one = run(tok, 1, dir.resolve("w1"));
        List<byte[]> three = run(tok, 3, dir.resolve("w3"));
        assertTrue(one.size() >= 10, "enough files to exercise the pipeline: " + one.size());
        assertEquals(one.size(), three.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), three.get(i), "file " + i);
        }
        // The stream is the documents' tokens back to back, each followed by </s>, in sorted path order:
        // b.jsonl first, whose document 0 is GitHub's and filtered out.
        try (PackedDataset d = PackedDataset.builder().optDirectory(dir.resolve("w1"), "train_slim").setSeqLen(255)
                .optShuffle(false).build()) {
            long[] block = new long[256];
            d.readBlock(0, block);
            long[] doc0 = tok.encode("Document 1: the quick brown fox jumps over the lazy dog 7 times.", false);
            assertArrayEquals(doc0, java.util.Arrays.copyOf(block, doc0.length));
            assertEquals(tok.eosId(), block[doc0.length]);
        }
    }

    @Test
    void commandLineEndToEnd() throws IOException {
        Path out = dir.resolve("cli");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int status;
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            status = Main.run("prepare-data", "--tokenizer", SharedTokenizer.convertedDir().toString(),
                    "--input", corpus.resolve("b.jsonl").toString(), corpus.resolve("sub").toString(),
                    "--out", out.toString(), "--prefix", "train_slim", "--eos", "--workers", "2",
                    "--chunk-tokens", "257", "--filter", "meta.redpajama_set_name!=RedPajamaGithub");
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String err = stderr.toString(StandardCharsets.UTF_8);
        String summary = stdout.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, err);
        assertTrue(err.contains("b.jsonl:102: invalid JSON"), err);
        assertTrue(summary.startsWith("461 documents, "), summary);
        assertTrue(summary.contains("1 malformed records skipped, 40 filtered out, 3 inputs"), summary);
        List<byte[]> api = run(SharedTokenizer.tokenizer(), 1, dir.resolve("api"));
        assertEquals(api.size(), PackedDataset.listFiles(out, "train_slim").size());
        assertTrue(summary.contains(api.size() + " files"), summary);

        // --strict makes the malformed line fatal: exit status 1, one line naming file and line.
        stderr.reset();
        try {
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            status = Main.run("prepare-data", "--tokenizer", SharedTokenizer.convertedDir().toString(),
                    "--input", corpus.resolve("b.jsonl").toString(), "--out", dir.resolve("strict").toString(),
                    "--prefix", "x", "--strict");
            assertEquals(1, status);
            assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("b.jsonl:102: invalid JSON"), stderr.toString());
            stderr.reset();
            status = Main.run("prepare-data", "--tokenizer", SharedTokenizer.convertedDir().toString(),
                    "--input", corpus.toString(), "--out", dir.resolve("bad").toString(), "--prefix", "x",
                    "--filter", "nonsense");
            assertEquals(1, status);
            assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("invalid filter 'nonsense'"), stderr.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
