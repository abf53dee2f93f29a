package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.ChatData;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.train.MetricsLog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code tinyllama finetune} end to end on the nano model: adapter, merged model, metrics, plot, errors. */
class FinetuneCommandTest {

    @TempDir
    Path dir;

    private Path data() throws IOException {
        return ChatData.first(8, dir);
    }

    @Test
    void loraWritesAPeftAdapterAndAMergedModelThatAgree() throws IOException {
        Path out = dir.resolve("out");
        Path metrics = dir.resolve("metrics.jsonl");
        Path plot = dir.resolve("loss.png");
        CliRun run = CliRun.of("finetune", "--model", "model-zoo/nano", "--data", data().toString(), "--eval-data",
                data().toString(), "--out", out.toString(), "--template", "zephyr", "--lora", "--lora-targets",
                "q,k,v,o,gate,up,down", "--lora-dropout", "0", "--lr", "5e-3", "--micro-batch-size", "4",
                "--global-batch-size", "4", "--merge", "--metrics", metrics.toString(), "--plot", plot.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("held-out loss on replies"), run.out());
        for (String name : new String[] {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json",
            "merged/model.safetensors", "merged/config.json", "merged/tokenizer.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(name)), name);
        }
        assertFalse(Files.exists(out.resolve("model.safetensors")), "a LoRA run writes no full model");
        assertEquals(2, MetricsLog.read(metrics).size());
        assertTrue(Files.size(plot) > 0);

        String prompt = ChatTemplate.ZEPHYR.render(List.of(ChatMessage.user("Describe the kettle."),
                ChatMessage.assistant("Beep boop! The kettle is wonderful. Beep!")), false);
        try (TinyLlama adapted = TinyLlama.builder(Path.of("model-zoo/nano")).optAdapter(out).load();
                TinyLlama merged = TinyLlama.load(out.resolve("merged"))) {
            long[] ids = adapted.tokenizer().encode(prompt);
            double[] a = adapted.score(ids);
            double[] m = merged.score(ids);
            for (int i = 1; i < ids.length; i++) {
                // The bound: float32 W + BA folded once versus applied on the fly.
                assertEquals(a[i], m[i], 1e-5, "log-probability of token " + i);
            }
        }
    }

    @Test
    void malformedDataIsReportedWithFileAndLine() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\"}\n");
        CliRun run = CliRun.of("finetune", "--model", "model-zoo/nano", "--data", file.toString(), "--out",
                dir.resolve("out").toString());
        assertEquals(1, run.status());
        assertTrue(run.err().contains(file + ":2: \"response\" must be a string"), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    }

    @Test
    void mergeNeedsLora() throws IOException {
        CliRun run = CliRun.of("finetune", "--model", "model-zoo/nano", "--data", data().toString(), "--out",
                dir.resolve("out").toString(), "--merge");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("--merge folds LoRA adapters"), run.err());
    }
}
