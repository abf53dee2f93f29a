package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.config.ConfigException;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.MixtureSchedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reading, validating and deriving step-by-step settings from multi-stage plans, the shipped ones included. */
class PretrainPlanTest {

    static final Path PLANS = Path.of("model-zoo", "plans");
    static final Path TINY = PLANS.resolve("tiny").resolve("plan.json");

    private static final Path FILE = Path.of("my-plan.json");

    /** A valid two-stage plan; the bad-plan cases each break one thing in it. */
    private static final String GOOD = """
            {"seq_len": 16, "micro_batch_size": 2,
             "stages": [
               {"name": "a", "steps": 4, "global_batch_tokens": 64, "mixture": {"x": 1},
                "lr": {"schedule": "restart", "max": 1e-3, "min": 1e-4, "warmup_steps": 2}},
               {"name": "b", "tokens": 300, "global_batch_tokens": 128, "mixture": {"x": 3, "y": 1},
                "ramp_tokens": 96, "lr": {"schedule": "continue"}}]}
            """;

    @Test
    void derivesBatchLearningRateAndDataPerStep() throws ConfigException {
        PretrainPlan plan = PretrainPlan.parse(FILE, GOOD);
        // Stage b: 300 tokens at 128 per step is 2.34 steps, rounded up to 3.
        assertEquals(List.of(4, 3), plan.stages().stream().map(PretrainPlan.Stage::steps).toList());
        assertEquals(7, plan.totalSteps());
        int[] accumulation = new int[7];
        for (int s = 0; s < 7; s++) {
            accumulation[s] = plan.accumulationAt(s);
        }
        assertArrayEquals(new int[] {2, 2, 2, 2, 4, 4, 4}, accumulation, "64 / (2 × 16) then 128 / (2 × 16)");
        // One cosine over both stages (b continues a's schedule): warm-up 2, ends at step 7.
        LearningRateSchedule whole = new LearningRateSchedule(1e-3, 1e-4, 2, 7);
        for (int s = 0; s < 7; s++) {
            assertEquals(whole.at(s), plan.lrAt(s), 0.0, "lr of step " + s);
        }
        assertEquals(List.of(0L, 4L, 8L, 12L, 16L, 24L, 32L, 40L),
                Stream.iterate(0, s -> s + 1).limit(8).map(plan::drawsBefore).toList());
        assertTrue(plan.endsStage(4) && plan.endsStage(7) && !plan.endsStage(5));
        assertEquals(List.of("x", "y"), plan.prefixes());
        MixtureSchedule mix = plan.mixtureSchedule();
        assertArrayEquals(new double[] {1, 0}, mix.weightsAt(15));
        // 96 ramp tokens are 6 blocks of 16: block k of stage b has weights 1 + (0.75 - 1)·(k + 1)/6 for x.
        assertArrayEquals(new double[] {1 - 0.25 / 6, 0.25 / 6}, mix.weightsAt(16), 1e-15);
        assertArrayEquals(new double[] {0.75, 0.25}, mix.weightsAt(21), 1e-15);
        assertArrayEquals(new double[] {3, 1}, mix.weightsAt(22), "after the ramp, the weights as written");
        TrainingSettings first = plan.settings();
        assertEquals(4, first.globalBatch());
        assertEquals(7, first.maxSteps());
        assertEquals(3407, first.seed());
        assertEquals(0.1, first.weightDecay());
        assertNull(plan.init());
    }

    @Test
    void aRestartedScheduleRunsOverItsOwnStages() throws ConfigException {
        PretrainPlan plan = PretrainPlan.parse(FILE, GOOD.replace("{\"schedule\": \"continue\"}",
                "{\"schedule\": \"restart\", \"max\": 5e-4, \"min\": 0, \"warmup_steps\": 1}"));
        LearningRateSchedule a = new LearningRateSchedule(1e-3, 1e-4, 2, 4);
        LearningRateSchedule b = new LearningRateSchedule(5e-4, 0, 1, 3);
        for (int s = 0; s < 4; s++) {
            assertEquals(a.at(s), plan.lrAt(s), 0.0);
        }
        for (int s = 4; s < 7; s++) {
            assertEquals(b.at(s - 4), plan.lrAt(s), 0.0);
        }
        assertEquals(5e-4, plan.lrAt(4), 0.0, "warm-up of one step: the peak at once");
    }

    static Stream<String[]> badPlans() {
        return Stream.of(
            new String[] {"\"global_batch_tokens\": 128", "\"global_batch_tokens\": 100",
                "$.stages[1].global_batch_tokens: 100 is not a multiple of micro_batch_size × seq_len = 2 × 16 = 32"},
            new String[] {"\"global_batch_tokens\": 128", "\"global_batch_tokens\": 8", "the nearest are 32"},
            new String[] {"\"name\": \"b\"", "\"name\": \"a\"", "$.stages[1].name: 'a' names two stages"},
            new String[] {"\"name\": \"b\",", "", "$.stages[1].name: is missing"},
            new String[] {"\"tokens\": 300", "\"tokens\": 300, \"steps\": 2", "$.stages[1].tokens: give exactly one"},
            new String[] {"\"tokens\": 300,", "", "$.stages[1].tokens: give exactly one"},
            new String[] {"\"tokens\": 300", "\"tokens\": 300.5", "$.stages[1].tokens: must be a whole number"},
            new String[] {"\"ramp_tokens\": 96", "\"ramp_tokens\": 400", "$.stages[1].ramp_tokens: 400 is longer"},
            new String[] {"\"mixture\": {\"x\": 1}", "\"mixture\": {\"x\": 1}, \"ramp_tokens\": 16",
                "$.stages[0].ramp_tokens: the first stage has no previous mixture"},
            new String[] {"\"ramp_tokens\": 96", "\"init\": \"TinyLlama_v1.1\"", "$.stages[1].init: only the first"},
            new String[] {"\"y\": 1", "\"y\": 0", "$.stages[1].mixture.y: a weight must be positive"},
            new String[] {"\"y\": 1", "\"y\": \"1\"", "$.stages[1].mixture.y: must be a number"},
            new String[] {"\"mixture\": {\"x\": 1}", "\"mixture\": {}", "$.stages[0].mixture: is empty"},
            new String[] {"\"mixture\": {\"x\": 1}", "\"mixure\": {\"x\": 1}", "$.stages[0].mixure: unknown field"},
            new String[] {"\"schedule\": \"continue\"", "\"schedule\": \"resume\"",
                "$.stages[1].lr.schedule: must be \"continue\" or \"restart\""},
            new String[] {"\"schedule\": \"continue\"", "\"schedule\": \"continue\", \"max\": 1",
                "$.stages[1].lr.max: a continued schedule keeps its settings"},
            new String[] {"\"schedule\": \"restart\", \"max\": 1e-3,", "\"schedule\": \"continue\",",
                "$.stages[0].lr.schedule: the first stage has no schedule to continue"},
            new String[] {"\"max\": 1e-3, ", "", "$.stages[0].lr.max: is missing"},
            new String[] {"\"min\": 1e-4", "\"min\": 1e-2", "$.stages[0].lr.min: must be between 0 and max"},
            new String[] {"\"lr\": {\"schedule\": \"restart\", \"max\": 1e-3, \"min\": 1e-4, \"warmup_steps\": 2}",
                "\"description\": \"no lr\"", "$.stages[0].lr: is missing"},
            new String[] {"\"global_batch_tokens\": 64, ", "", "$.stages[0].global_batch_tokens: is missing"},
            new String[] {"\"seq_len\": 16", "\"seq_len\": 0", "$.seq_len: must be between 1 and"},
            new String[] {"\"seq_len\": 16", "\"seq_len\": 16, \"optimizer\": {\"beta2\": 1.5}",
                "$.optimizer.beta2: must be below 1"},
            new String[] {"", "{\"stages\": []}", "$.stages: is empty"},
            new String[] {"", "{\"seq_len\": 16}", "$.stages: is missing"},
            new String[] {"", "[1, 2]", "$: must be a JSON object"},
            new String[] {"\"steps\": 4", "\"steps\": 2147483647", "$.stages: the stages add up to 2147483650 steps"},
            new String[] {"\"seq_len\": 16,", "\"seq_len\": 16,,", "my-plan.json: not valid JSON"});
    }

    @ParameterizedTest
    @MethodSource("badPlans")
    void aBadFieldIsNamedByFileAndJsonPath(String find, String replacement, String expected) {
        // An empty pattern stands for a whole plan of its own.
        String text = find.isEmpty() ? replacement : GOOD.replace(find, replacement);
        assertTrue(!text.equals(GOOD), "the edit applies: " + find);
        ConfigException e = assertThrows(ConfigException.class, () -> PretrainPlan.parse(FILE, text));
        assertTrue(e.getMessage().startsWith("my-plan.json: ") && e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aMissingFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> PretrainPlan.load(Path.of("no-such-plan.json")));
        assertEquals("no-such-plan.json: file not found", e.getMessage());
    }

    static Stream<Path> shippedPlans() throws IOException {
        try (Stream<Path> dirs = Files.list(PLANS)) {
            return dirs.map(d -> d.resolve("plan.json")).filter(Files::isRegularFile).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedPlans")
    void everyShippedPlanLoadsAndHasAReadme(Path file) throws IOException {
        PretrainPlan plan = PretrainPlan.load(file);
        assertTrue(plan.totalSteps() > 0);
        assertTrue(Files.readString(file.resolveSibling("README.md")).contains("prepare-data"), file + " README");
    }

    @Test
    void theShippedPlansAreTheFourExpected() throws IOException {
        assertEquals(List.of("tiny", "tinyllama-v1.1", "tinyllama-v1.1-chinese", "tinyllama-v1.1-math-code"),
                shippedPlans().map(p -> p.getParent().getFileName().toString()).sorted().toList());
        assertEquals(LlamaConfig.tinyLlama1b(), LlamaConfig.fromFile(PLANS.resolve("tinyllama-1.1b-config.json")));
    }

    /** The paper's numbers (notes 5.5): 1.5T + 350B + 150B tokens, batch 1.8M then 7.2M in cool-down, one cosine. */
    @ParameterizedTest
    @MethodSource("v11")
    void theV11RecipesCarryThePapersNumbers(String name, Map<String, Double> domain) throws IOException {
        PretrainPlan plan = PretrainPlan.load(PLANS.resolve(name).resolve("plan.json"));
        assertEquals(List.of("basic", domain.size() == 1 ? "continual" : domain.size() == 2 ? "chinese" : "math-code",
                "cooldown"), plan.stages().stream().map(PretrainPlan.Stage::name).toList());
        long[] budgets = {1_500_000_000_000L, 350_000_000_000L, 150_000_000_000L};
        for (int i = 0; i < 3; i++) {
            PretrainPlan.Stage s = plan.stages().get(i);
            long tokens = s.steps() * s.globalBatchTokens();
            // A budget is rounded up to whole steps: at most one step more.
            assertTrue(tokens >= budgets[i] && tokens < budgets[i] + s.globalBatchTokens(), s.name() + ": " + tokens);
        }
        assertEquals(1_802_240L, plan.stages().get(0).globalBatchTokens(), "≈ 1.8M: 110 × 8 × 2048");
        assertEquals(7_208_960L, plan.stages().get(2).globalBatchTokens(), "≈ 7.2M: 440 × 8 × 2048");
        assertEquals(110, plan.accumulationAt(0));
        assertEquals(440, plan.accumulationAt(plan.totalSteps() - 1));
        assertEquals(Map.of("train_slim", 1.0), shares(plan.stages().get(0)));
        assertEquals(domain, shares(plan.stages().get(1)));
        assertEquals(domain, shares(plan.stages().get(2)));
        assertEquals(domain.size() == 1 ? 0 : 6_000_000_000L, plan.stages().get(1).rampTokens());
        assertNull(plan.stages().get(1).lr());
        assertNull(plan.stages().get(2).lr(), "the cool-down keeps the cosine");
        LearningRateSchedule one = new LearningRateSchedule(4e-4, 4e-5, 2000, plan.totalSteps());
        for (int step : new int[] {0, 1999, 2000, plan.firstStep(1), plan.firstStep(2), plan.totalSteps() - 1}) {
            assertEquals(one.at(step), plan.lrAt(step), 0.0, "step " + step);
        }
    }

    static Stream<Object[]> v11() {
        return Stream.of(new Object[] {"tinyllama-v1.1", Map.of("train_slim", 1.0)},
            new Object[] {"tinyllama-v1.1-math-code", Map.of("train_slim", 0.75, "train_star_python", 0.15,
                "train_proof_pile", 0.10)},
            new Object[] {"tinyllama-v1.1-chinese", Map.of("train_slim", 0.5, "train_skypile", 0.5)});
    }

    private static Map<String, Double> shares(PretrainPlan.Stage s) {
        double total = s.mixture().weights().stream().mapToDouble(Double::doubleValue).sum();
        java.util.Map<String, Double> m = new java.util.HashMap<>();
        for (int i = 0; i < s.mixture().prefixes().size(); i++) {
            m.put(s.mixture().prefixes().get(i), s.mixture().weights().get(i) / total);
        }
        return m;
    }
}
