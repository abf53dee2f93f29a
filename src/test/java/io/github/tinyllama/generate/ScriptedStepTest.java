package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The scripted step against the Blocks and the float64 reference, on every fixture (tied and untied heads,
 * grouped key/value heads, a rope theta of 500k). Tolerances: 1e-4 on float32 logits, as the Blocks' own
 * numerics test (float32 rounding over a few layers stays near 1e-6; 1e-4 still catches any wrong rotation,
 * mask or norm); 1e-5 between cached decoding and recomputation, which run the same arithmetic on different
 * shapes.
 */
class ScriptedStepTest {

    private static final double TOLERANCE = 1e-4;
    private static final double CACHE_TOLERANCE = 1e-5;

    @TempDir
    static Path dir;

    @ParameterizedTest
    @EnumSource(Fixtures.class)
    void float32LogitsMatchTheReferenceAndTheBlocks(Fixtures fixture) throws IOException {
        JsonObject golden = Goldens.of(fixture);
        long[] ids = Goldens.longs(golden, "ids");
        long[] prompt = Goldens.longs(golden, "prompt");
        try (LanguageModel lm = load(fixture); ScriptedStep step = ScriptedStep.load(lm.network(),
                ScriptedStep.Kind.FLOAT32, lm.model().getNDManager())) {
            float[][] scripted = run(lm, step, new long[][] {prompt}, new long[] {0}, 0)[0];
            double[] expected = Goldens.doubles(golden, "logits_last");
            float[] last = scripted[prompt.length - 1];
            for (int v = 0; v < expected.length; v++) {
                assertEquals(expected[v], last[v], TOLERANCE, fixture + ": logit " + v);
            }
            float[][] all = run(lm, step, new long[][] {ids}, new long[] {0}, 0)[0];
            float[][] blocks = blocks(lm, ids);
            for (int i = 0; i < ids.length; i++) {
                assertArrayEquals(blocks[i], all[i], (float) TOLERANCE, fixture + ": position " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Fixtures.class)
    void cachedGreedyDecodingEqualsRecomputationTheBlocksAndTheReference(Fixtures fixture) throws IOException {
        JsonObject golden = Goldens.of(fixture);
        long[] prompt = Goldens.longs(golden, "prompt");
        long[] expected = Goldens.longs(golden, "greedy");
        try (LanguageModel lm = load(fixture); ScriptedStep step = ScriptedStep.load(lm.network(),
                ScriptedStep.Kind.FLOAT32, lm.model().getNDManager());
                KvCache cache = new KvCache(fixture.config, 1, 64, null)) {
            long[] sequence = prompt;
            long[] input = prompt;
            for (int i = 0; i < expected.length; i++) {
                float[] cached = step.lastLogits(input, 1, cache, lm.model().getNDManager())[0];
                float[][] recomputed = run(lm, step, new long[][] {sequence}, new long[] {0}, 1)[0];
                assertArrayEquals(recomputed[0], cached, (float) CACHE_TOLERANCE, fixture + " step " + i);
                long next = argMax(cached);
                assertEquals(expected[i], next, fixture + ": greedy token " + i);
                assertEquals(argMax(blocks(lm, sequence)[sequence.length - 1]), next, fixture + ": blocks token " + i);
                sequence = Arrays.copyOf(sequence, sequence.length + 1);
                sequence[sequence.length - 1] = next;
                input = new long[] {next};
            }
            assertEquals(prompt.length + expected.length - 1, cache.length());
        }
    }

    /**
     * Two sequences share a cache but run at different positions: after a padded step (row 1's second token is
     * a placeholder that a later step overwrites), each row's logits are what it computes alone.
     */
    @ParameterizedTest
    @EnumSource(value = Fixtures.class, names = {"GQA4_BF16", "GQA3_TIED_F32"})
    void rowsAtTheirOwnPositionsComputeWhatTheyComputeAlone(Fixtures fixture) throws IOException {
        long[] a = {1, 7, 19, 4, 33, 8};
        long[] b = {1, 50, 12, 90, 6};
        try (LanguageModel lm = load(fixture); ScriptedStep step = ScriptedStep.load(lm.network(),
                ScriptedStep.Kind.FLOAT32, lm.model().getNDManager());
                KvCache cache = new KvCache(fixture.config, 2, 16, null)) {
            run(lm, step, new long[][] {{a[0], a[1], a[2]}, {b[0], b[1], b[2]}}, new long[] {0, 0}, cache, 1);
            run(lm, step, new long[][] {{a[3], a[4]}, {b[3], 77}}, new long[] {3, 3}, cache, 1);
            float[][][] last = run(lm, step, new long[][] {{a[5]}, {b[4]}}, new long[] {5, 4}, cache, 1);
            assertArrayEquals(blocks(lm, a)[a.length - 1], last[0][0], (float) TOLERANCE, fixture + ": row 0");
            assertArrayEquals(blocks(lm, b)[b.length - 1], last[1][0], (float) TOLERANCE, fixture + ": row 1");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Fixtures.class, names = {"GQA4_BF16", "GQA3_TIED_F32"})
    void promptsOfDifferentLengthsPrefilledTogetherComputeWhatTheyComputeAlone(Fixtures fixture) throws IOException {
        long[] a = {1, 7, 19, 4, 33, 8};
        long[] b = {1, 50, 12};
        try (LanguageModel lm = load(fixture); ScriptedStep step = ScriptedStep.load(lm.network(),
                ScriptedStep.Kind.FLOAT32, lm.model().getNDManager());
                KvCache cache = new KvCache(fixture.config, 2, 16, null)) {
            try (KvCache three = new KvCache(fixture.config, 3, 16, null)) {
                assertThrows(IllegalArgumentException.class,
                        () -> step.prefill(new long[][] {a, b}, three, lm.model().getNDManager()));
            }
            float[][] first = step.prefill(new long[][] {a, b}, cache, lm.model().getNDManager());
            assertEquals(a.length, cache.length());
            assertArrayEquals(blocks(lm, a)[a.length - 1], first[0], (float) TOLERANCE, fixture + ": row 0");
            assertArrayEquals(blocks(lm, b)[b.length - 1], first[1], (float) TOLERANCE, fixture + ": row 1");
            // Row 1's next token lands on a column its padding wrote: it must overwrite it before attending.
            float[][][] next = run(lm, step, new long[][] {{5}, {60}}, new long[] {a.length, b.length}, cache, 1);
            assertArrayEquals(blocks(lm, new long[] {1, 7, 19, 4, 33, 8, 5})[a.length], next[0][0],
                    (float) TOLERANCE, fixture + ": row 0, next");
            assertArrayEquals(blocks(lm, new long[] {1, 50, 12, 60})[b.length], next[1][0], (float) TOLERANCE,
                    fixture + ": row 1, next");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ScriptedStep.Kind.class, names = {"FLOAT32", "FLOAT16"})
    void refusesMatricesOfAnotherType(ScriptedStep.Kind kind) throws IOException {
        DataType other = kind == ScriptedStep.Kind.FLOAT32 ? DataType.FLOAT16 : DataType.FLOAT32;
        try (LanguageModel lm = LanguageModel.load(Fixtures.GQA4_BF16.write(dir.resolve("typed")), other, null,
                bytes -> {})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ScriptedStep.load(lm.network(), kind, lm.model().getNDManager()));
            assertTrue(e.getMessage().contains("needs the network's matrices"), e.getMessage());
        }
    }

    /** The benchmark's ceiling runs the kind's own product: a rate, for every kind a CPU step holds. */
    @ParameterizedTest
    @EnumSource(value = ScriptedStep.Kind.class, names = {"FLOAT32", "FLOAT16_PACKED", "INT8", "BFLOAT16"})
    void productPeakTimesTheKindsOwnProduct(ScriptedStep.Kind kind) throws IOException {
        try (LanguageModel lm = load(Fixtures.GQA3_TIED_F32); ScriptedStep step = ScriptedStep.load(lm.network(),
                kind, lm.model().getNDManager())) {
            double flops = step.productPeak(16, lm.model().getNDManager());
            assertTrue(flops > 0 && Double.isFinite(flops), kind + ": " + flops);
        }
    }

    private static LanguageModel load(Fixtures fixture) throws IOException {
        return LanguageModel.load(fixture.write(dir.resolve(fixture.name())), DataType.FLOAT32, null, bytes -> {});
    }

    /** One pass of rows (equal lengths) from the given positions in a fresh cache; logits per row and position. */
    private static float[][][] run(LanguageModel lm, ScriptedStep step, long[][] rows, long[] positions, int last) {
        try (KvCache cache = new KvCache(lm.config(), rows.length, lm.config().maxPositions(), null)) {
            return run(lm, step, rows, positions, cache, last);
        }
    }

    private static float[][][] run(LanguageModel lm, ScriptedStep step, long[][] rows, long[] positions,
            KvCache cache, int last) {
        try (NDManager m = lm.model().getNDManager().newSubManager()) {
            long[] flat = Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
            NDArray logits = step.forward(m.create(flat).reshape(rows.length, rows[0].length), positions, cache, last);
            int kept = (int) logits.getShape().get(1);
            int vocab = lm.config().vocabSize();
            float[] values = logits.toFloatArray();
            float[][][] out = new float[rows.length][kept][];
            for (int r = 0; r < rows.length; r++) {
                for (int t = 0; t < kept; t++) {
                    int from = (r * kept + t) * vocab;
                    out[r][t] = Arrays.copyOfRange(values, from, from + vocab);
                }
            }
            return out;
        }
    }

    private static float[][] blocks(LanguageModel lm, long[] ids) {
        try (NDManager m = lm.model().getNDManager().newSubManager()) {
            float[] values = lm.network().forward(new ParameterStore(m, false), m.create(ids).reshape(1, ids.length),
                    null, false, false).toFloatArray();
            int vocab = lm.config().vocabSize();
            float[][] out = new float[ids.length][];
            for (int i = 0; i < ids.length; i++) {
                out[i] = Arrays.copyOfRange(values, i * vocab, (i + 1) * vocab);
            }
            return out;
        }
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
