package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.index.NDIndex;

import io.github.tinyllama.config.LlamaConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checkpoints, resume after a kill, metrics and the loss plot, on the tiny model of {@link PretrainerTest}. */
class PretrainRunTest {

    @TempDir
    Path dir;

    private static final int STEPS = 4;

    private List<StepMetrics> uninterrupted() throws IOException {
        Path out = dir.resolve("whole");
        Path metrics = dir.resolve("whole.jsonl");
        try (Pretrainer t = Pretrainer.prepare(PretrainerTest.CONFIG, null, false, settings(), PretrainerTest.blocks(),
                out, List.of(), 0)) {
            PretrainRun.run(t, settings(), out, metrics, null, m -> { });
        }
        return MetricsLog.read(metrics);
    }

    private static TrainingSettings settings() {
        PretrainerTest.prepare();
        return PretrainerTest.settings(STEPS, 2);
    }

    @Test
    void resumingAfterAKillReproducesTheUninterruptedRun() throws IOException {
        List<StepMetrics> whole = uninterrupted();
        Path out = dir.resolve("killed");
        Path metrics = dir.resolve("killed.jsonl");
        // First attempt: three steps (checkpoint at 2), then "killed" while writing the checkpoint of step 4.
        try (Pretrainer t = Pretrainer.prepare(PretrainerTest.CONFIG, null, false, settings(), PretrainerTest.blocks(),
                out, List.of(), 0); MetricsLog log = MetricsLog.open(metrics, 0)) {
            for (int s = 0; s < 3; s++) {
                StepMetrics m = t.trainStep();
                log.write(m);
                if (t.step() == 2) {
                    t.saveCheckpoint();
                }
            }
        }
        Path partial = Files.createDirectories(out.resolve(".step-00000004.tmp"));
        Files.writeString(partial.resolve("model.safetensors"), "half a file");
        Files.writeString(metrics, Files.readString(metrics) + "{\"step\": 4, \"lo");

        try (Pretrainer t = Pretrainer.prepare(PretrainerTest.CONFIG, null, true, settings(), PretrainerTest.blocks(),
                out, List.of(), 0)) {
            assertEquals(2, t.step(), "resumes from the last complete checkpoint");
            PretrainRun.run(t, settings(), out, metrics, dir.resolve("loss.png"), m -> { });
        }
        List<StepMetrics> resumed = MetricsLog.read(metrics);
        assertEquals(STEPS, resumed.size());
        for (int i = 0; i < STEPS; i++) {
            StepMetrics a = whole.get(i);
            StepMetrics b = resumed.get(i);
            assertEquals(a.step(), b.step());
            assertEquals(a.loss(), b.loss(), 0.0, "step " + a.step() + " loss");
            assertEquals(a.gradNorm(), b.gradNorm(), 0.0, "step " + a.step() + " grad norm");
            assertEquals(a.lr(), b.lr(), 0.0);
            assertEquals(a.tokens(), b.tokens());
        }
        assertTrue(Files.size(dir.resolve("loss.png")) > 1000);
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")) && Files.isRegularFile(out.resolve("config.json")));
        assertEquals(PretrainerTest.CONFIG, LlamaConfig.load(out.resolve("step-00000004")));
    }

    @Test
    void aNonFiniteLossStopsTrainingAndNamesTheLastGoodCheckpoint() throws IOException {
        TrainingSettings everyStep = PretrainerTest.settings(STEPS, 1);
        Path out = dir.resolve("nan");
        try (Pretrainer t = Pretrainer.prepare(PretrainerTest.CONFIG, null, false, everyStep, PretrainerTest.blocks(),
                out, List.of(), 0)) {
            // After step 1 (and its checkpoint), one weight becomes NaN, as an overflow would leave it.
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> PretrainRun.run(t, everyStep, out, null, null, m -> t.network().parametersByName()
                            .get("model.norm.weight").getArray().set(new NDIndex("0"), Float.NaN)));
            assertTrue(e.getMessage().contains("step 2") && e.getMessage().contains("step-00000001"), e.getMessage());
            assertEquals(1, t.step(), "the failed step updated nothing");
            assertTrue(Files.isRegularFile(out.resolve("step-00000001").resolve("model.safetensors")));
            assertTrue(!Files.exists(out.resolve("step-00000002")));
        }
    }
}
