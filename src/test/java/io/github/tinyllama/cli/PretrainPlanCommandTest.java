package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.RandomPacked;
import io.github.tinyllama.train.MetricsLog;
import io.github.tinyllama.train.StepMetrics;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** {@code tinyllama pretrain --plan}: the shipped tiny plan end to end, continual pre-training from a zoo name, errors. */
class PretrainPlanCommandTest {

    @TempDir
    static Path dir;

    private static final Path PLAN = Path.of("model-zoo", "plans", "tiny", "plan.json");
    private static final Path CONFIG = Path.of("model-zoo", "plans", "tiny", "config.json");

    /** The tiny plan's two prefixes: random tokens below its (and tinyllama-nano's) vocabulary of 4096. */
    @BeforeAll
    static void writeData() throws IOException {
        RandomPacked.write(dir.resolve("data"), 4096, 33 * 8, 2, 3, "train_prose", "train_code");
    }

    private static CliRun pretrain(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "pretrain";
        all[1] = "--data-dir";
        all[2] = dir.resolve("data").toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRun.of(all);
    }

    @Test
    void theTinyPlanRunsEndToEndAndResumesInStageTwo() throws IOException {
        Path out = dir.resolve("tiny");
        Path metrics = dir.resolve("tiny.jsonl");
        CliRun run = pretrain("--plan", PLAN.toString(), "--config", CONFIG.toString(), "--out", out.toString(),
                "--metrics", metrics.toString(), "--plot", dir.resolve("tiny.png").toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("through 3 stages (8 steps)"), run.out());

        List<StepMetrics> steps = MetricsLog.read(metrics);
        assertEquals(List.of("basic", "basic", "basic", "domain", "domain", "domain", "cooldown", "cooldown"),
                steps.stream().map(StepMetrics::stage).toList());
        assertEquals(List.of(64L, 128L, 192L, 256L, 320L, 384L, 512L, 640L),
                steps.stream().map(StepMetrics::tokens).toList(), "the cool-down's batch is twice as large");
        // train_code ramps in over 128 tokens = 4 blocks; domain steps draw 2 blocks each.
        double[] code = {0, 0, 0, 0.25 / 4, 0.25 * 3 / 4, 0.25, 0.25, 0.25};
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(code[i], steps.get(i).mixture().getOrDefault("train_code", 0.0), 1e-15, "step " + (i + 1));
        }
        for (String checkpoint : new String[] {"step-00000003", "step-00000006", "step-00000008"}) {
            assertTrue(Files.isRegularFile(out.resolve(checkpoint).resolve("model.safetensors")), checkpoint);
        }
        assertTrue(Files.size(dir.resolve("tiny.png")) > 1000);
        assertEquals(LlamaConfig.fromFile(CONFIG), LlamaConfig.load(out));

        CliRun again = pretrain("--plan", PLAN.toString(), "--config", CONFIG.toString(), "--out", out.toString(),
                "--metrics", metrics.toString(), "--resume");
        assertEquals(0, again.status(), again.err());
        assertEquals(8, MetricsLog.read(metrics).size(), "a finished plan resumed has nothing left to do");

        // Killed during step 6 (in stage 2, whose steps have no checkpoint of their own): the last checkpoint is
        // stage 1's end, the metrics file has steps 1-5 and a partial line.
        for (String later : new String[] {"step-00000006", "step-00000008"}) {
            try (var files = Files.walk(out.resolve(later))) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        List<String> lines = Files.readAllLines(metrics);
        Files.writeString(metrics, String.join("\n", lines.subList(0, 5)) + "\n{\"step\": 6, \"lo");
        CliRun resumed = pretrain("--plan", PLAN.toString(), "--config", CONFIG.toString(), "--out", out.toString(),
                "--metrics", metrics.toString(), "--resume");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.err().contains("step 3 of 8, 3 stages, now 'domain'"), resumed.err());
        List<StepMetrics> after = MetricsLog.read(metrics);
        assertEquals(steps.size(), after.size());
        for (int i = 0; i < steps.size(); i++) {
            StepMetrics w = steps.get(i);
            StepMetrics r = after.get(i);
            assertEquals(List.of(w.loss(), w.gradNorm(), w.lr(), w.tokens(), w.stage(), w.mixture()),
                    List.of(r.loss(), r.gradNorm(), r.lr(), r.tokens(), r.stage(), r.mixture()), "step " + (i + 1));
        }

        // A plan next to the trained model continues from it: "init" is a directory relative to the plan file.
        Path continued = dir.resolve("continue.json");
        Files.writeString(continued, Files.readString(PLAN).replace("\"name\": \"basic\",",
                "\"name\": \"basic\", \"init\": \"tiny\","));
        CliRun next = pretrain("--plan", continued.toString(), "--out", dir.resolve("tiny-continued").toString());
        assertEquals(0, next.status(), next.err());
        assertEquals(LlamaConfig.fromFile(CONFIG), LlamaConfig.load(dir.resolve("tiny-continued")));
    }

    /**
     * Continual pre-training as the paper did it, from released weights named in the plan: two steps
     * at lr 1e-3 move each weight by at most a few 1e-3 (Adam's step is about lr), while weights
     * initialised from scratch would differ from tinyllama-nano's by tenths.
     */
    @Test
    void aPlanStartsFromAReleasedCheckpointByName() throws IOException {
        Path plan = dir.resolve("continual.json");
        Files.writeString(plan, """
                {"seq_len": 32, "micro_batch_size": 2,
                 "stages": [{"name": "domain", "init": "tinyllama-nano", "steps": 2, "global_batch_tokens": 64,
                   "mixture": {"train_code": 1}, "lr": {"schedule": "restart", "max": 1e-3, "min": 1e-4,
                   "warmup_steps": 0}}]}
                """);
        Path out = dir.resolve("continual");
        CliRun run = pretrain("--plan", plan.toString(), "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        Path nano = Path.of("model-zoo", "nano");
        assertEquals(LlamaConfig.load(nano), LlamaConfig.load(out));
        try (Checkpoint before = Checkpoint.open(nano); Checkpoint after = Checkpoint.open(out)) {
            float[] a = before.readFloats("model.norm.weight");
            float[] b = after.readFloats("model.norm.weight");
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            assertTrue(worst < 1e-2, "largest change from tinyllama-nano: " + worst);
        }

        CliRun both = pretrain("--plan", plan.toString(), "--out", dir.resolve("x").toString(), "--config",
                CONFIG.toString());
        assertEquals(1, both.status());
        assertTrue(both.err().contains("starts from 'tinyllama-nano': --config (from scratch) contradicts it"), both.err());
    }

    @Test
    void runOptionsAndBadPlansAreClearErrors() throws IOException {
        CliRun clash = pretrain("--plan", PLAN.toString(), "--config", CONFIG.toString(), "--out",
                dir.resolve("clash").toString(), "--lr", "1e-3", "--max-steps", "3");
        assertEquals(1, clash.status());
        assertTrue(clash.err().contains("--max-steps, --lr: the plan " + PLAN + " sets these"), clash.err());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, Files.readString(PLAN).replace("\"global_batch_tokens\": 128", "\"global_batch_tokens\": 100"));
        CliRun badRun = pretrain("--plan", bad.toString(), "--config", CONFIG.toString(), "--out",
                dir.resolve("bad").toString());
        assertEquals(1, badRun.status());
        assertTrue(badRun.err().contains(bad + ": $.stages[2].global_batch_tokens: 100 is not a multiple"), badRun.err());
        assertTrue(!Files.exists(dir.resolve("bad")), "nothing is written for a bad plan");

        CliRun noModel = pretrain("--plan", PLAN.toString(), "--out", dir.resolve("none").toString());
        assertEquals(1, noModel.status());
        assertTrue(noModel.err().contains("the plan starts from scratch: give --config"), noModel.err());

        CliRun noSteps = pretrain("--config", CONFIG.toString(), "--out", dir.resolve("none").toString());
        assertEquals(1, noSteps.status());
        assertTrue(noSteps.err().contains("give --max-steps"), noSteps.err());

        CliRun unknown = pretrain("--init", "no-such-model", "--max-steps", "1", "--out", dir.resolve("none").toString());
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().contains("'no-such-model' is neither a model directory nor a released checkpoint name"),
                unknown.err());
        assertTrue(!Files.exists(dir.resolve("none")), "nothing is written for a failed start");
    }
}
