package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonObject;

import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks the model against the float64 reference of HF's LlamaForCausalLM on random checkpoints
 * covering grouped-query ratios 2, 3, 4 and 8 (one checkpoint sharded and written by an independent writer), rope_theta 10000 and 500000, tied and untied heads,
 * and f32/f16/bf16 files, with projections stored separately (as for training) and stacked (as for inference).
 *
 * <p>Tolerance 1e-4 (absolute, on log-probabilities and logits): float32 arithmetic over a few
 * layers of width ≤ 128 accumulates rounding errors of order 1e-6 relative; 1e-4 leaves room for
 * that while still failing on any real mistake (a wrong RoPE pairing or head grouping moves
 * log-probabilities by whole units).
 */
class LlamaNetworkNumericsTest {

    private static final double TOLERANCE = 1e-4;
    /** Cached and uncached passes do the same float32 arithmetic in different shapes; only rounding may differ. */
    private static final double CACHE_TOLERANCE = 1e-5;

    @TempDir
    static Path dir;

    /** Every fixture, with q/k/v and gate/up loaded as separate matrices and as stacked ones. */
    static Stream<Arguments> cases() {
        return Stream.of(Fixtures.values()).flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void logProbabilitiesMatchReference(Fixtures fixture, boolean stacked) throws IOException {
        JsonObject golden = Goldens.of(fixture);
        long[] ids = Goldens.longs(golden, "ids");
        double[] expectedNll = Goldens.doubles(golden, "nll");
        try (LoadedModel m = LoadedModel.of(fixture, dir, stacked, DataType.FLOAT32)) {
            float[][] logits = rows(m.logits(ids, false), ids.length);
            double worst = 0;
            for (int i = 0; i + 1 < ids.length; i++) {
                double lp = logSoftmax(logits[i])[(int) ids[i + 1]];
                worst = Math.max(worst, Math.abs(-lp - expectedNll[i]));
            }
            assertTrue(worst <= TOLERANCE, fixture + ": worst log-prob error " + worst);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lastLogitsMatchReference(Fixtures fixture, boolean stacked) throws IOException {
        JsonObject golden = Goldens.of(fixture);
        try (LoadedModel m = LoadedModel.of(fixture, dir, stacked, DataType.FLOAT32)) {
            long[] prompt = Goldens.longs(golden, "prompt");
            float[][] logits = rows(m.logits(prompt, false), prompt.length);
            double[] expected = Goldens.doubles(golden, "logits_last");
            float[] actual = logits[logits.length - 1];
            for (int v = 0; v < expected.length; v++) {
                assertEquals(expected[v], actual[v], TOLERANCE, fixture + ": logit " + v);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void cachedGreedyDecodingEqualsRecomputationAndReference(Fixtures fixture, boolean stacked) throws IOException {
        JsonObject golden = Goldens.of(fixture);
        long[] prompt = Goldens.longs(golden, "prompt");
        long[] expected = Goldens.longs(golden, "greedy");
        try (LoadedModel m = LoadedModel.of(fixture, dir, stacked, DataType.FLOAT32);
                KvCache cache = new KvCache(fixture.config, 1, 64, m.model.getNDManager().getDevice())) {
            List<Long> sequence = new ArrayList<>();
            for (long id : prompt) {
                sequence.add(id);
            }
            long[] input = prompt;
            long[] produced = new long[expected.length];
            for (int step = 0; step < expected.length; step++) {
                float[] cached = m.cachedLastLogits(input, cache);
                long[] all = sequence.stream().mapToLong(Long::longValue).toArray();
                float[][] full = rows(m.logits(all, false), all.length);
                assertArrayEquals(full[full.length - 1], cached, (float) CACHE_TOLERANCE, fixture + " step " + step);
                produced[step] = argMax(cached);
                sequence.add(produced[step]);
                input = new long[] {produced[step]};
            }
            assertArrayEquals(expected, produced, fixture + ": greedy tokens");
            assertEquals(prompt.length + expected.length - 1, cache.length());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void chunkedPrefillEqualsSinglePass(Fixtures fixture, boolean stacked) throws IOException {
        long[] ids = Arrays.copyOf(Goldens.longs(Goldens.of(fixture), "ids"), 12);
        try (LoadedModel m = LoadedModel.of(fixture, dir, stacked, DataType.FLOAT32);
                KvCache cache = new KvCache(fixture.config, 1, 12, m.model.getNDManager().getDevice())) {
            m.cachedLastLogits(Arrays.copyOfRange(ids, 0, 5), cache);
            float[] chunked = m.cachedLastLogits(Arrays.copyOfRange(ids, 5, 12), cache);
            float[][] full = rows(m.logits(ids, false), ids.length);
            assertArrayEquals(full[11], chunked, (float) CACHE_TOLERANCE);
        }
    }

    private static float[][] rows(float[] flat, int count) {
        int width = flat.length / count;
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            out[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return out;
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logSum;
        }
        return out;
    }

    private static long argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
