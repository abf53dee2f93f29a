package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.weights.RandomCheckpoint;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three optimizer steps against PyTorch 1.13 ({@code torch.optim.AdamW(foreach=False)} after
 * {@code clip_grad_norm_}, float32, the same Llama forward), from the same initial weights and
 * data: two micro-batches of two 16-token sequences per step, warm-up and cosine learning rate,
 * clipping active. Goldens in {@code src/test/resources/train/}.
 */
class PretrainerTest {

    static final LlamaConfig CONFIG = new LlamaConfig(32, 64, 2, 4, 2, 64, 32, 1e-5, 10000, 1, false, 1, List.of(2));

    @TempDir
    static Path dir;

    private static JsonObject reference;
    private static Path init;

    @BeforeAll
    static synchronized void prepare() {
        if (reference != null) {
            return;
        }
        try (InputStream in = PretrainerTest.class.getResourceAsStream("/train/reference.json")) {
            reference = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path init() throws IOException {
        if (init == null) {
            init = dir.resolve("init");
            RandomCheckpoint.write(init, CONFIG, DType.F32, 77);
        }
        return init;
    }

    static TrainingSettings settings(int maxSteps, int saveEvery) {
        LearningRateSchedule schedule = new LearningRateSchedule(reference.get("lr").getAsDouble(),
                reference.get("min_lr").getAsDouble(), reference.get("warmup").getAsInt(),
                reference.get("max_steps").getAsInt());
        return new TrainingSettings(16, 2, 4, maxSteps, schedule, 0.1, 0.9, 0.95, 1e-8, 1.0, 0, saveEvery);
    }

    static FixedBlocks blocks() {
        List<long[]> blocks = new ArrayList<>();
        for (var b : reference.getAsJsonArray("blocks")) {
            blocks.add(b.getAsJsonArray().asList().stream().mapToLong(e -> e.getAsLong()).toArray());
        }
        return new FixedBlocks(blocks);
    }

    /**
     * libtorch's gradient mode is per thread and on by default; DJL turns it off only on the thread
     * that started the engine. A notebook kernel runs each cell on a thread of its own, so training
     * must work on a thread that did not start the engine (and give the same numbers there).
     */
    @Test
    void stepsRunOnAThreadThatDidNotStartTheEngine() throws Exception {
        ai.djl.engine.Engine.getInstance();
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            StepMetrics first = other.submit(() -> {
                try (Pretrainer trainer = Pretrainer.prepare(CONFIG, init(), false, settings(1, 0), blocks(),
                        dir.resolve("out-thread"), List.of(), 0)) {
                    return trainer.trainStep();
                }
            }).get();
            assertEquals(reference.getAsJsonArray("losses").get(0).getAsDouble(), first.loss(), 1e-5);
        } finally {
            other.shutdown();
        }
    }

    /**
     * Float32 rounding only: the two implementations sum the loss and the squared gradients in a
     * different order, so losses agree to about 1e-6 relative; weights, after three Adam steps of
     * size ~1e-2 each, agree to 1e-5 absolute (a wrong formula, e.g. ε inside the bias correction or
     * clipping per element, moves them by 1e-3 or more).
     */
    @Test
    void threeStepsMatchPyTorch() throws IOException {
        JsonArray losses = reference.getAsJsonArray("losses");
        JsonArray norms = reference.getAsJsonArray("grad_norms");
        JsonArray lrs = reference.getAsJsonArray("lrs");
        try (Pretrainer trainer = Pretrainer.prepare(CONFIG, init(), false, settings(3, 0), blocks(),
                dir.resolve("out-compare"), List.of(), 0)) {
            for (int s = 0; s < 3; s++) {
                StepMetrics m = trainer.trainStep();
                assertEquals(losses.get(s).getAsDouble(), m.loss(), 1e-5, "loss of step " + (s + 1));
                assertEquals(norms.get(s).getAsDouble(), m.gradNorm(), 1e-5, "grad norm of step " + (s + 1));
                assertEquals(lrs.get(s).getAsDouble(), m.lr(), 1e-12, "lr of step " + (s + 1));
                assertEquals((s + 1) * 64L, m.tokens());
            }
            Path trained = dir.resolve("trained");
            trainer.exportModel(Files.createDirectories(trained));
            Path golden = dir.resolve("golden");
            Files.createDirectories(golden);
            try (InputStream in = PretrainerTest.class.getResourceAsStream("/train/after3.safetensors")) {
                Files.copy(in, golden.resolve("model.safetensors"));
            }
            try (Checkpoint ours = Checkpoint.open(trained); Checkpoint torch = Checkpoint.open(golden)) {
                double worst = 0;
                for (String name : torch.names()) {
                    float[] expected = torch.readFloats(name);
                    float[] actual = ours.readFloats(name);
                    for (int i = 0; i < expected.length; i++) {
                        worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
                    }
                }
                assertTrue(worst <= 1e-5, "largest weight difference from PyTorch: " + worst);
            }
        }
    }
}
