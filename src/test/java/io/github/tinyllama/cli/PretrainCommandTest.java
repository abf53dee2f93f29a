package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.PrepareData;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.train.MetricsLog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code tinyllama pretrain} end to end: packed data in, checkpoints, metrics, plot and a loadable model out. */
class PretrainCommandTest {

    @TempDir
    Path dir;

    @Test
    void trainsResumesAndLeavesALoadableModel() throws IOException {
        Path tokenizerDir = SharedTokenizer.convertedDir();
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            text.append("{\"text\": \"The cat ").append(i).append(" sat on the mat; public int x = ").append(i).append(";\"}\n");
        }
        Files.writeString(corpus.resolve("docs.jsonl"), text);
        try (LlamaTokenizer tokenizer = LlamaTokenizer.load(tokenizerDir)) {
            PrepareData.builder(tokenizer, dir.resolve("data"), "train_text").optEos(true).optChunkTokens(17 * 64).build()
                    .run(List.of(corpus));
        }
        Path config = dir.resolve("config.json");
        Files.writeString(config, new LlamaConfig(32, 64, 2, 4, 2, 32000, 64, 1e-5, 10000, 1, true, 1, List.of(2))
                .toJson("float32"));
        Path out = dir.resolve("run");
        Path metrics = dir.resolve("metrics.jsonl");
        String[] common = {"pretrain", "--data-dir", dir.resolve("data").toString(), "--out", out.toString(),
            "--config", config.toString(), "--tokenizer", tokenizerDir.toString(), "--seq-len", "16",
            "--micro-batch-size", "2", "--global-batch-size", "4", "--lr", "1e-3", "--min-lr", "1e-4",
            "--warmup-steps", "1", "--save-every", "2", "--metrics", metrics.toString(), "--resume"};
        assertEquals(0, Main.run(concat(common, "--max-steps", "2")));
        assertEquals(0, Main.run(concat(common, "--max-steps", "4", "--plot", dir.resolve("loss.png").toString())));

        assertEquals(List.of(1, 2, 3, 4), MetricsLog.read(metrics).stream().map(m -> m.step()).toList());
        assertTrue(Files.size(dir.resolve("loss.png")) > 1000);
        assertTrue(Files.isDirectory(out.resolve("step-00000002")) && Files.isDirectory(out.resolve("step-00000004")));
        try (TinyLlama llm = TinyLlama.load(out)) {
            assertEquals(3, llm.generate("The cat", GenerationConfig.builder().optMaxNewTokens(3).optIgnoreEos(true).build())
                    .generatedTokens());
        }
    }

    @Test
    void plotWithoutMetricsIsAUsageError() {
        assertEquals(1, Main.run("pretrain", "--data-dir", dir.toString(), "--out", dir.resolve("o").toString(),
                "--config", "x.json", "--max-steps", "1", "--plot", "p.png"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
