package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.data.Mixture;
import io.github.tinyllama.testing.RandomPacked;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A two-stage plan trained on the tiny model of {@link PretrainerTest}: killed during stage 2 and
 * resumed, it continues in stage 2 with stage 2's batch, learning rate and (ramping) mixture, and
 * every step equals the uninterrupted run's bit for bit.
 */
class PlanRunTest {

    @TempDir
    static Path dir;

    /**
     * Stage a: 2 steps of 2 micro-batches (64 tokens) on p alone. Stage b: 4 steps of 4 micro-batches
     * (128 tokens), a restarted schedule, and q ramped in over 20 blocks (steps 3 to 5).
     */
    private static final String PLAN = """
            {"seq_len": 16, "micro_batch_size": 2, "seed": 5, "save_every": 3,
             "stages": [
               {"name": "a", "steps": 2, "global_batch_tokens": 64, "mixture": {"p": 1},
                "lr": {"schedule": "restart", "max": 1e-2, "min": 1e-3, "warmup_steps": 1}},
               {"name": "b", "steps": 4, "global_batch_tokens": 128, "mixture": {"p": 1, "q": 1},
                "ramp_tokens": 320, "lr": {"schedule": "restart", "max": 5e-3, "min": 0, "warmup_steps": 2}}]}
            """;

    /** Two prefixes of random tokens below the tiny model's vocabulary of 64. */
    @BeforeAll
    static void writeData() throws IOException {
        RandomPacked.write(dir.resolve("data"), 64, 17 * 8, 3, 11, "p", "q");
    }

    private static PretrainPlan plan() throws IOException {
        return PretrainPlan.parse(dir.resolve("plan.json"), PLAN);
    }

    private static MixtureBlocks blocks(PretrainPlan plan) throws IOException {
        return new MixtureBlocks(Mixture.open(dir.resolve("data"), plan.prefixes(), plan.mixtureSchedule(),
                plan.seqLen(), plan.seed(), true));
    }

    /** Stands for the process being killed right after a step's metrics line is written. */
    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static List<StepMetrics> train(Path out, Path metrics, boolean resume, int killAfter) throws IOException {
        PretrainPlan plan = plan();
        try (MixtureBlocks data = blocks(plan); Pretrainer trainer = Pretrainer.prepare(PretrainerTest.CONFIG, null,
                resume, plan.settings(), data, out, List.of(), 0)) {
            if (resume) {
                assertEquals(3, trainer.step(), "resumes from the checkpoint of step 3, inside stage b");
                assertEquals("b", plan.stages().get(plan.stageIndexAt(trainer.step())).name());
            }
            PretrainRun.run(trainer, plan, data, out, metrics, null, m -> {
                if (m.step() == killAfter) {
                    throw new Killed();
                }
            });
        }
        return MetricsLog.read(metrics);
    }

    @Test
    void killedInStageTwoAndResumedItContinuesStageTwoExactly() throws IOException {
        List<StepMetrics> whole = train(dir.resolve("whole"), dir.resolve("whole.jsonl"), false, -1);
        assertEquals(List.of("a", "a", "b", "b", "b", "b"), whole.stream().map(StepMetrics::stage).toList());
        assertEquals(List.of(64L, 128L, 256L, 384L, 512L, 640L), whole.stream().map(StepMetrics::tokens).toList(),
                "stage b's steps take 4 micro-batches of 2 × 16 tokens");
        LearningRateSchedule a = new LearningRateSchedule(1e-2, 1e-3, 1, 2);
        LearningRateSchedule b = new LearningRateSchedule(5e-3, 0, 2, 4);
        double[] lrs = {a.at(0), a.at(1), b.at(0), b.at(1), b.at(2), b.at(3)};
        for (int i = 0; i < 6; i++) {
            assertEquals(lrs[i], whole.get(i).lr(), 0.0, "lr of step " + (i + 1));
        }
        // q's share at each step's first block: 0 in stage a; in b, block k of the ramp has (k + 1) / 20 × 0.5.
        double[] q = {0, 0, 0.5 / 20, 0.5 * 9 / 20, 0.5 * 17 / 20, 0.5};
        for (int i = 0; i < 6; i++) {
            assertEquals(q[i], whole.get(i).mixture().get("q"), 1e-15, "q's share at step " + (i + 1));
        }

        Path out = dir.resolve("killed");
        Path metrics = dir.resolve("killed.jsonl");
        assertThrows(Killed.class, () -> train(out, metrics, false, 5));
        assertTrue(Files.isDirectory(out.resolve("step-00000002")), "a stage's end is checkpointed");
        assertTrue(Files.isDirectory(out.resolve("step-00000003")) && !Files.exists(out.resolve("step-00000005")));
        List<StepMetrics> resumed = train(out, metrics, true, -1);

        assertEquals(whole.size(), resumed.size());
        for (int i = 0; i < whole.size(); i++) {
            StepMetrics w = whole.get(i);
            StepMetrics r = resumed.get(i);
            String step = "step " + w.step();
            assertEquals(w.step(), r.step());
            assertEquals(w.loss(), r.loss(), 0.0, step + " loss");
            assertEquals(w.gradNorm(), r.gradNorm(), 0.0, step + " grad norm");
            assertEquals(w.lr(), r.lr(), 0.0, step + " lr");
            assertEquals(w.tokens(), r.tokens(), step + " tokens");
            assertEquals(w.stage(), r.stage(), step + " stage");
            assertEquals(w.mixture(), r.mixture(), step + " mixture");
        }
    }

    /** Either the replay of the data picks or the step-to-data check refuses, whichever sees the edit first. */
    @Test
    void aResumeWithAnEditedPlanStops() throws IOException {
        Path out = dir.resolve("edited");
        train(out, dir.resolve("edited.jsonl"), false, -1);
        PretrainPlan edited = PretrainPlan.parse(dir.resolve("plan.json"), PLAN.replace("\"steps\": 2", "\"steps\": 3"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            try (MixtureBlocks data = blocks(edited); Pretrainer trainer = Pretrainer.prepare(PretrainerTest.CONFIG,
                    null, true, edited.settings(), data, out, List.of(), 0)) {
                PretrainRun.run(trainer, edited, data, out, null, null, m -> { });
            }
        });
        assertTrue(e.getMessage().contains("was the plan changed") || e.getMessage().contains("does not belong"),
                e.getMessage());
        PretrainPlan plan = plan();
        try (MixtureBlocks data = blocks(plan); Pretrainer trainer = Pretrainer.prepare(PretrainerTest.CONFIG, null,
                false, plan.settings(), data, dir.resolve("ahead"), List.of(), 0)) {
            data.next();
            IllegalStateException ahead = assertThrows(IllegalStateException.class,
                    () -> PretrainRun.run(trainer, plan, data, dir.resolve("ahead"), null, null, m -> { }));
            assertTrue(ahead.getMessage().contains("step 0 with 1 blocks drawn, but"), ahead.getMessage());
        }
    }
}
