package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.data.Mixture;
import io.github.tinyllama.data.PackedWriter;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mixture a plan actually samples, driven without training: a stage with warm-up sampling over
 * a long run of the sampler, its shares checked against the scheduled weights, and exact resume in
 * the middle of the ramp.
 */
class PlanSamplingTest {

    @TempDir
    static Path dir;

    private static final String[] PREFIXES = {"train_slim", "train_star_python", "train_proof_pile"};
    /** Blocks of 4 tokens (seq_len 3); 3 files of 12 blocks per prefix. */
    private static final int SEQ = 3;

    private static final int BASE_DRAWS = 1_000;
    private static final int RAMP_DRAWS = 20_000;
    private static final int FLAT_DRAWS = 20_000;
    private static final int WINDOW = 2_000;
    private static final double[] TARGET = {0.75, 0.15, 0.10};

    /** Stage 1 on train_slim alone, then the Math&Code mixture ramped in over 20,000 blocks, then 20,000 flat. */
    private static final String PLAN = """
            {"seq_len": 3, "micro_batch_size": 1, "seed": 3407,
             "stages": [
               {"name": "basic", "steps": 10, "global_batch_tokens": 300, "mixture": {"train_slim": 1},
                "lr": {"schedule": "restart", "max": 1e-3, "min": 1e-4, "warmup_steps": 0}},
               {"name": "math-code", "steps": 400,
                "mixture": {"train_slim": 0.75, "train_star_python": 0.15, "train_proof_pile": 0.10},
                "ramp_tokens": RAMP, "lr": {"schedule": "continue"}}]}
            """.replace("RAMP", Integer.toString(RAMP_DRAWS * SEQ));

    /** Every token says which source it is from: source s, token t of its file is s * 10000 + t % 10000. */
    @BeforeAll
    static void writeFiles() throws IOException {
        for (int s = 0; s < PREFIXES.length; s++) {
            try (PackedWriter w = new PackedWriter(dir, PREFIXES[s], 12 * (SEQ + 1), 1)) {
                long[] tokens = new long[3 * 12 * (SEQ + 1)];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = s * 10000L + i;
                }
                w.add(tokens);
            }
        }
    }

    private static Mixture open(PretrainPlan plan) throws IOException {
        return Mixture.open(dir, plan.prefixes(), plan.mixtureSchedule(), plan.seqLen(), plan.seed(), true);
    }

    /** The scheduled share of each source at block {@code k} of the ramp, written out from the plan's numbers. */
    private static double[] scheduled(long k) {
        double progress = Math.min(1, (k + 1) / (double) RAMP_DRAWS);
        double[] from = {1, 0, 0};
        double[] p = new double[3];
        for (int s = 0; s < 3; s++) {
            p[s] = from[s] + (TARGET[s] - from[s]) * progress;
        }
        return p;
    }

    /**
     * Each window's count per source is a sum of independent Bernoulli draws with the scheduled
     * probabilities: it must lie within 4 of its standard errors of the expected count (a correct
     * sampler fails one such check with probability 6e-5; there are 60). A sampler that ignored the
     * ramp would miss the first windows' StarCoder count by over 15 standard errors.
     */
    @Test
    void sharesFollowTheRampAndTheFlatMixtureWithinSamplingError() throws IOException {
        PretrainPlan plan = PretrainPlan.parse(Path.of("sampling.json"), PLAN);
        assertEquals(BASE_DRAWS + RAMP_DRAWS + FLAT_DRAWS, plan.drawsBefore(plan.totalSteps()));
        try (Mixture m = open(plan)) {
            long[] block = new long[SEQ + 1];
            for (int i = 0; i < BASE_DRAWS; i++) {
                assertEquals(0, m.next(block), "stage 1 reads train_slim only");
            }
            List<String> checked = new ArrayList<>();
            for (int start = 0; start < RAMP_DRAWS + FLAT_DRAWS; start += WINDOW) {
                long[] counts = new long[3];
                double[] expected = new double[3];
                double[] variance = new double[3];
                for (int k = start; k < start + WINDOW; k++) {
                    double[] p = scheduled(k);
                    int s = m.next(block);
                    assertEquals(s, block[0] / 10000, "the block comes from the source picked");
                    counts[s]++;
                    for (int i = 0; i < 3; i++) {
                        expected[i] += p[i];
                        variance[i] += p[i] * (1 - p[i]);
                    }
                }
                for (int i = 0; i < 3; i++) {
                    double bound = 4 * Math.sqrt(variance[i]);
                    String what = (start < RAMP_DRAWS ? "ramp" : "flat") + " window at " + start + ", " + PREFIXES[i]
                            + ": " + counts[i] + " blocks, expected " + Math.round(expected[i]) + " ± " + Math.round(bound);
                    assertTrue(Math.abs(counts[i] - expected[i]) <= bound, what);
                    checked.add(what);
                }
            }
            assertEquals(60, checked.size());
        }
    }

    @Test
    void resumingInTheMiddleOfTheRampDrawsTheSameBlocks() throws IOException {
        PretrainPlan plan = PretrainPlan.parse(Path.of("sampling.json"), PLAN);
        long[] block = new long[SEQ + 1];
        List<long[]> uninterrupted = new ArrayList<>();
        Mixture.Position saved;
        // Saved 500 blocks before the ramp ends; the next 3,000 cross into the flat part.
        int savedAt = BASE_DRAWS + RAMP_DRAWS - 500;
        try (Mixture m = open(plan)) {
            for (int i = 0; i < savedAt; i++) {
                m.next(block);
            }
            saved = Mixture.Position.parse(m.position().toString());
            for (int i = 0; i < 3_000; i++) {
                m.next(block);
                uninterrupted.add(block.clone());
            }
        }
        try (Mixture m = open(plan)) {
            m.seek(saved);
            assertArrayEquals(plan.mixtureSchedule().weightsAt(savedAt), m.weights(), "the ramp's weights at the resumed block");
            for (int i = 0; i < 3_000; i++) {
                m.next(block);
                assertArrayEquals(uninterrupted.get(i), block, "block " + i + " after resuming");
            }
        }
        PretrainPlan shorterRamp = PretrainPlan.parse(Path.of("edited.json"),
                PLAN.replace(Integer.toString(RAMP_DRAWS * SEQ), Integer.toString(RAMP_DRAWS)));
        try (Mixture m = open(shorterRamp)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.seek(saved));
            assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        }
    }
}
