package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Generation and scoring over token ids on a random checkpoint whose greedy continuation and
 * log-probabilities were computed by the float64 reference (see {@link Fixtures}). Its greedy
 * continuation of {@code [1, 5, 9, 13]} happens to reach the end-of-sequence id 2 as its fourth token.
 */
class LanguageModelTest {

    private static final Fixtures FIXTURE = Fixtures.GQA4_BF16;

    @TempDir
    static Path dir;

    private static LanguageModel model;
    private static JsonObject golden;

    @BeforeAll
    static void load() throws IOException {
        model = LanguageModel.load(FIXTURE.write(dir), DataType.FLOAT32, null, bytes -> {});
        golden = Goldens.of(FIXTURE);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static long[] prompt() {
        return Goldens.longs(golden, "prompt");
    }

    @Test
    void greedyStopsAtEndOfSequence() {
        GenerationResult r = model.generate(prompt(), GenerationConfig.greedy(10), id -> true);
        assertArrayEquals(Arrays.copyOf(Goldens.longs(golden, "greedy"), 4), r.ids());
        assertEquals(2, r.ids()[3]);
        assertEquals(FinishReason.EOS, r.finishReason());
        assertArrayEquals(prompt(), r.promptIds());
    }

    @Test
    void ignoringEndOfSequenceFollowsTheReferenceGreedyPath() {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(10).optIgnoreEos(true).build();
        GenerationResult r = model.generate(prompt(), config, id -> true);
        assertArrayEquals(Goldens.longs(golden, "greedy"), r.ids());
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void budgetEndsGenerationWithLength() {
        GenerationResult r = model.generate(prompt(), GenerationConfig.greedy(2), id -> true);
        assertArrayEquals(Arrays.copyOf(Goldens.longs(golden, "greedy"), 2), r.ids());
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void sinkCanStopGeneration() {
        GenerationResult r = model.generate(prompt(), GenerationConfig.greedy(10), id -> id != 91);
        assertArrayEquals(new long[] {8, 91}, r.ids());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    /** Same tolerance and reasoning as the block-level numerics test. */
    @Test
    void scoresMatchReference() {
        long[] ids = Goldens.longs(golden, "ids");
        double[] nll = Goldens.doubles(golden, "nll");
        double[] logprobs = model.scorer().score(ids);
        assertTrue(Double.isNaN(logprobs[0]));
        for (int i = 1; i < ids.length; i++) {
            assertEquals(-nll[i - 1], logprobs[i], 1e-4, "position " + i);
        }
    }

    @Test
    void sameSeedSameSamplesAndOtherSeedsDiffer() {
        long[] first = sample(7);
        assertArrayEquals(first, sample(7));
        boolean anyDiffers = LongStream.range(8, 12).anyMatch(seed -> !Arrays.equals(first, sample(seed)));
        assertTrue(anyDiffers, "five seeds gave identical 20-token samples at temperature 1");
    }

    private static long[] sample(long seed) {
        GenerationConfig config = GenerationConfig.builder()
                .optMaxNewTokens(20).optTemperature(1).optSeed(seed).optIgnoreEos(true).build();
        return model.generate(prompt(), config, id -> true).ids();
    }

    @Test
    void topKOfOneIsGreedy() {
        GenerationConfig config = GenerationConfig.builder()
                .optMaxNewTokens(10).optTemperature(5).optTopK(1).optSeed(3).optIgnoreEos(true).build();
        assertArrayEquals(Goldens.longs(golden, "greedy"), model.generate(prompt(), config, id -> true).ids());
    }

    @Test
    void promptLongerThanContextIsRefusedUnlessTruncationIsAsked() {
        long[] tooLong = LongStream.range(0, 130).map(i -> 3 + i % 200).toArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.generate(tooLong, GenerationConfig.greedy(4), id -> true));
        assertTrue(e.getMessage().contains("130 tokens") && e.getMessage().contains("128"), e.getMessage());

        GenerationConfig truncating = GenerationConfig.builder().optMaxNewTokens(4).optLeftTruncate(true).build();
        GenerationResult r = model.generate(tooLong, truncating, id -> true);
        assertEquals(124, r.promptTokens());
        assertArrayEquals(Arrays.copyOfRange(tooLong, 6, 130), r.promptIds());
    }

    @Test
    void generationStopsAtTheContextEnd() {
        long[] nearlyFull = LongStream.range(0, 125).map(i -> 3 + i % 200).toArray();
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(50).optIgnoreEos(true).build();
        GenerationResult r = model.generate(nearlyFull, config, id -> true);
        assertEquals(4, r.generatedTokens(), "125 prompt tokens + 3 cached new tokens fill the 128 positions");
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.generate(new long[] {1, 256}, GenerationConfig.greedy(2), id -> true));
        assertTrue(e.getMessage().contains("256"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.generate(new long[0], GenerationConfig.greedy(2), id -> true));
    }

    @Test
    void sessionReusesItsCacheAndMatchesFreshGeneration() {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(5).optIgnoreEos(true).build();
        try (Session session = model.newSession(128)) {
            long[] first = session.generate(prompt(), config, id -> true).ids();
            long[] afterFirst = session.cachedTokens();
            // The cache holds the prompt and every generated token but the last, which was never fed back.
            assertEquals(prompt().length + first.length - 1, afterFirst.length);

            long[] followUp = LongStream.concat(LongStream.concat(LongStream.of(prompt()), LongStream.of(first)),
                    LongStream.of(40, 41)).toArray();
            long[] continued = session.generate(followUp, config, id -> true).ids();
            assertArrayEquals(afterFirst, Arrays.copyOf(session.cachedTokens(), afterFirst.length),
                    "the earlier tokens stay cached");
            assertArrayEquals(model.generate(followUp, config, id -> true).ids(), continued);

            long[] rewritten = followUp.clone();
            rewritten[2] = 77;
            assertArrayEquals(model.generate(rewritten, config, id -> true).ids(),
                    session.generate(rewritten, config, id -> true).ids(), "a changed prefix is recomputed");
        }
    }

    /** Cached and uncached passes differ only in float32 rounding. */
    @Test
    void sessionScoresContinuationsOfOneContextReadingItOnce() {
        long[] ids = Goldens.longs(golden, "ids");
        double[] full = model.scorer().score(ids);
        try (Session session = model.newSession(128)) {
            TokenScores tail = session.score(ids, 30);
            assertEquals(ids.length - 30, tail.logprobs().length);
            for (int i = 30; i < ids.length; i++) {
                assertEquals(full[i], tail.logprobs()[i - 30], 1e-5, "position " + i);
            }
            long[] other = ids.clone();
            other[35] = 99;
            long[] before = session.cachedTokens();
            TokenScores otherTail = session.score(other, 30);
            assertTrue(commonLength(before, session.cachedTokens()) >= 29, "the 29 context tokens stay cached");
            assertEquals(model.scorer().score(other)[35], otherTail.logprobs()[5], 1e-5);
        }
    }

    @Test
    void greedyContinuationsAreRecognised() {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(6).optIgnoreEos(true).build();
        long[] continuation = model.generate(prompt(), config, id -> true).ids();
        long[] sequence = LongStream.concat(LongStream.of(prompt()), LongStream.of(continuation)).toArray();
        try (Session session = model.newSession(64)) {
            assertTrue(session.score(sequence, prompt().length).greedy());
            sequence[sequence.length - 1] = (sequence[sequence.length - 1] + 1) % 256;
            assertFalse(session.score(sequence, prompt().length).greedy());
        }
    }

    private static int commonLength(long[] a, long[] b) {
        int n = 0;
        while (n < Math.min(a.length, b.length) && a[n] == b[n]) {
            n++;
        }
        return n;
    }

    @Test
    void nothingAllocatedForATokenOutlivesIt() {
        BaseNDManager manager = (BaseNDManager) model.model().getNDManager();
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(8).optIgnoreEos(true).build();
        model.generate(prompt(), config, id -> true);
        int before = manager.getManagedArrays().size();
        model.generate(prompt(), config, id -> true);
        model.scorer().score(Goldens.longs(golden, "ids"));
        assertEquals(before, manager.getManagedArrays().size());
    }

    /**
     * Float16 weights and matrix products carry about 3 significant digits; over two layers the
     * log-probabilities of this fixture move by well under 0.05, while a broken conversion moves them by units.
     */
    @Test
    void float16WeightsStayCloseToReference() throws IOException {
        try (LanguageModel half = LanguageModel.load(FIXTURE.write(dir), DataType.FLOAT16, null, bytes -> {})) {
            long[] ids = Goldens.longs(golden, "ids");
            double[] nll = Goldens.doubles(golden, "nll");
            double[] logprobs = half.scorer().score(ids);
            for (int i = 1; i < ids.length; i++) {
                assertEquals(-nll[i - 1], logprobs[i], 0.05, "position " + i);
            }
            assertFalse(Double.isNaN(logprobs[1]));
        }
    }

    /** From Java as from the CLI: a GPU the engine lacks is named in one sentence before any weight is read. */
    @Test
    void aGpuTheEngineLacksIsNamedBeforeLoading() {
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        Device missing = Device.gpu(gpus);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TinyLlama.builder(Path.of("model-zoo/nano")).optDevice(missing).load());
        assertEquals("device " + missing + " is not there: the engine sees " + gpus + " GPU" + (gpus == 1 ? "" : "s")
                + (gpus == 0 ? " (a CPU-only libtorch; see docs/devices.md)" : ""), e.getMessage());
    }
}
