package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.testing.Fixtures;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Continuous batching gives every sequence what it gets alone: greedy ids equal to
 * {@link LanguageModel#generate} whatever else shares the batch, with sequences joining and leaving
 * mid-way, and every KV-cache row freed at the end. Run on a random checkpoint (no tokenizer needed) and
 * on the trained nano model, whose logits are far from ties.
 */
class BatchDecoderTest {

    @TempDir
    static Path dir;

    private static LanguageModel random;
    private static LanguageModel nano;

    @BeforeAll
    static void load() throws IOException {
        random = LanguageModel.load(Fixtures.GQA3_TIED_F32.write(dir), DataType.FLOAT32, null, bytes -> {});
        nano = LanguageModel.load(Path.of("model-zoo/nano"), DataType.FLOAT32, null, bytes -> {});
    }

    @AfterAll
    static void close() {
        random.close();
        nano.close();
    }

    /** Prompts of different lengths over the vocabulary, so rows sit at different positions. */
    private static List<long[]> prompts(LanguageModel model, int count, long seed) {
        Random r = new Random(seed);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long[] p = new long[1 + r.nextInt(20)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + r.nextInt(model.config().vocabSize() - 3);
            }
            out.add(p);
        }
        return out;
    }

    private static void sameAsAlone(LanguageModel model) {
        List<long[]> prompts = prompts(model, 7, 42);
        List<GenerationConfig> configs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            // Budgets differ so that rows leave at different steps; ignoreEos keeps them going past an early EOS.
            configs.add(GenerationConfig.builder().optMaxNewTokens(3 + 4 * i).optIgnoreEos(i % 2 == 0).build());
        }
        List<BatchDecoder.Sequence> sequences = new ArrayList<>();
        try (BatchDecoder decoder = new BatchDecoder(model, 3)) {
            // Three start together; the others join one by one while those run, and wait for a free row.
            for (int i = 0; i < prompts.size(); i++) {
                sequences.add(decoder.submit(prompts.get(i), configs.get(i), (id, lp, top) -> true));
                if (i >= 2) {
                    decoder.step();
                    decoder.step();
                }
            }
            int steps = 0;
            while (decoder.hasWork()) {
                decoder.step();
                assertTrue(decoder.running() <= 3, "rows in use: " + decoder.running());
                assertTrue(++steps < 500, "decoding never ended");
            }
            assertEquals(0, decoder.cachedBytes(), "KV cache held after every sequence ended");
        }
        for (int i = 0; i < prompts.size(); i++) {
            GenerationResult alone = model.generate(prompts.get(i), configs.get(i), id -> true);
            GenerationResult batched = sequences.get(i).result().join();
            assertArrayEquals(alone.ids(), batched.ids(), "sequence " + i);
            assertEquals(alone.finishReason(), batched.finishReason(), "sequence " + i);
        }
    }

    @Test
    void greedyIdsOfARandomModelDoNotDependOnTheBatch() {
        sameAsAlone(random);
    }

    @Test
    void greedyIdsOfTheNanoModelDoNotDependOnTheBatch() {
        sameAsAlone(nano);
    }

    /**
     * The scripted step decodes the batch with rows left-aligned at their own positions; its float32 and packed
     * float16 matrices must give each request the ids it gets alone (which the scripted step also decodes).
     */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT32", "FLOAT16"})
    void greedyIdsThroughTheScriptedStepDoNotDependOnTheBatch(DataType type) throws IOException {
        try (LanguageModel scripted = LanguageModel.load(Path.of("model-zoo/nano"), type, null, bytes -> {})) {
            scripted.useEngine(DecodeEngine.SCRIPT);
            sameAsAlone(scripted);
        }
        try (LanguageModel scripted = LanguageModel.load(Fixtures.GQA3_TIED_F32.write(dir.resolve(type.name())),
                type, null, bytes -> {})) {
            scripted.useEngine(DecodeEngine.SCRIPT);
            sameAsAlone(scripted);
        }
    }

    /**
     * int8 products quantize their activations on the fly; each row must be quantized by its own range, not by
     * the batch's, or a request's ids would depend on what runs beside it.
     */
    @Test
    void greedyIdsThroughTheInt8StepDoNotDependOnTheBatch() throws IOException {
        try (LanguageModel int8 = LanguageModel.load(Path.of("model-zoo/nano"), null, ComputeType.INT8, null,
                bytes -> {})) {
            sameAsAlone(int8);
        }
        try (LanguageModel int8 = LanguageModel.load(Fixtures.GQA3_TIED_F32.write(dir.resolve("int8")), null,
                ComputeType.INT8, null, bytes -> {})) {
            sameAsAlone(int8);
        }
    }

    /** An open decoder holds the engine it was built with: switching it under the decoder would free its step. */
    @Test
    void theEngineCannotChangeWhileADecoderIsOpen() throws IOException {
        try (LanguageModel lm = LanguageModel.load(Path.of("model-zoo/nano"), DataType.FLOAT32, null, bytes -> {})
                .useEngine(DecodeEngine.SCRIPT)) {
            BatchDecoder decoder = new BatchDecoder(lm, 2);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> lm.useEngine(DecodeEngine.BLOCKS));
            assertTrue(e.getMessage().contains("close it before switching"), e.getMessage());
            lm.useEngine(DecodeEngine.SCRIPT);
            decoder.close();
            decoder.close();
            lm.useEngine(DecodeEngine.BLOCKS);
            assertTrue(lm.scriptedStep().isEmpty());
        }
    }

    /**
     * An engine failure during a prefill ends the sequences it took from the queue with that failure (none is
     * left waiting forever) and leaves the decoder empty and usable. An {@link Error} from a listener stands in
     * for the engine: only exceptions end just the listener's own sequence.
     */
    @ParameterizedTest
    @EnumSource(DecodeEngine.class)
    void aFailedPrefillEndsWhatItTookAndTheDecoderGoesOn(DecodeEngine engine) throws IOException {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(3).optIgnoreEos(true).build();
        List<long[]> prompts = prompts(nano, 3, 5);
        try (LanguageModel lm = LanguageModel.load(Path.of("model-zoo/nano"), DataType.FLOAT32, null, bytes -> {})
                .useEngine(engine);
                BatchDecoder decoder = new BatchDecoder(lm, 3)) {
            List<BatchDecoder.Sequence> sequences = new ArrayList<>();
            sequences.add(decoder.submit(prompts.get(0), config, (id, lp, top) -> {
                throw new AssertionError("the engine failed");
            }));
            for (long[] p : prompts.subList(1, 3)) {
                sequences.add(decoder.submit(p, config, (id, lp, top) -> true));
            }
            assertThrows(AssertionError.class, decoder::step);
            assertTrue(sequences.get(0).result().isCompletedExceptionally());
            for (BatchDecoder.Sequence s : sequences.subList(1, 3)) {
                // Prefilled together, the others failed with it; prefilled one by one, they were still queued.
                assertTrue(engine == DecodeEngine.SCRIPT ? s.result().isCompletedExceptionally()
                        : !s.result().isDone(), engine + ": " + s.result());
            }
            while (decoder.hasWork()) {
                decoder.step();
            }
            assertEquals(0, decoder.unfinished());
            assertEquals(0, decoder.cachedBytes());
            BatchDecoder.Sequence after = decoder.submit(prompts.get(1), config, (id, lp, top) -> true);
            while (decoder.hasWork()) {
                decoder.step();
            }
            assertArrayEquals(lm.generate(prompts.get(1), config, id -> true).ids(), after.result().join().ids());
        }
    }

    /** A burst is prefilled in calls of at most PREFILL_TOKENS prompt tokens; the rest waits for the next step. */
    @Test
    void aBurstIsPrefilledInCallsWithinTheTokenBudget() throws IOException {
        int length = BatchDecoder.PREFILL_TOKENS / 2 - 28;
        List<long[]> prompts = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 3; i++) {
            prompts.add(r.longs(length, 3, nano.config().vocabSize()).toArray());
        }
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(6).optIgnoreEos(true).build();
        try (LanguageModel scripted = LanguageModel.load(Path.of("model-zoo/nano"), DataType.FLOAT32, null,
                bytes -> {}).useEngine(DecodeEngine.SCRIPT);
                BatchDecoder decoder = new BatchDecoder(scripted, 4)) {
            List<BatchDecoder.Sequence> sequences = new ArrayList<>();
            for (long[] p : prompts) {
                sequences.add(decoder.submit(p, config, (id, lp, top) -> true));
            }
            decoder.step();
            assertEquals(2, decoder.running(), "two prompts of " + length + " tokens fit one prefill call");
            assertEquals(1, decoder.waiting());
            while (decoder.hasWork()) {
                decoder.step();
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(scripted.generate(prompts.get(i), config, id -> true).ids(),
                        sequences.get(i).result().join().ids(), "sequence " + i);
            }
        }
    }

    @Test
    void seededSamplingIsTheSameAsAlone() {
        List<long[]> prompts = prompts(nano, 4, 7);
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(12).optTemperature(0.8).optTopP(0.9).optSeed(5)
                .optIgnoreEos(true).build();
        List<BatchDecoder.Sequence> sequences = new ArrayList<>();
        try (BatchDecoder decoder = new BatchDecoder(nano, 4)) {
            for (long[] p : prompts) {
                sequences.add(decoder.submit(p, config, (id, lp, top) -> true));
                decoder.step();
            }
            while (decoder.hasWork()) {
                decoder.step();
            }
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(nano.generate(prompts.get(i), config, id -> true).ids(),
                    sequences.get(i).result().join().ids(), "sequence " + i);
        }
    }

    @Test
    void penalisedSamplingIsTheSameAsAlone() {
        List<long[]> prompts = prompts(nano, 3, 11);
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(16).optPresencePenalty(0.7)
                .optFrequencyPenalty(0.5).optIgnoreEos(true).build();
        List<BatchDecoder.Sequence> sequences = new ArrayList<>();
        try (BatchDecoder decoder = new BatchDecoder(nano, 3)) {
            for (long[] p : prompts) {
                sequences.add(decoder.submit(p, config, (id, lp, top) -> true));
            }
            while (decoder.hasWork()) {
                decoder.step();
            }
        }
        boolean changed = false;
        for (int i = 0; i < prompts.size(); i++) {
            long[] alone = nano.generate(prompts.get(i), config, id -> true).ids();
            assertArrayEquals(alone, sequences.get(i).result().join().ids(), "sequence " + i);
            changed |= !java.util.Arrays.equals(alone, nano.generate(prompts.get(i), GenerationConfig.builder()
                    .optMaxNewTokens(16).optIgnoreEos(true).build(), id -> true).ids());
        }
        // A greedy continuation that repeats no token is left as it is; at least one of these repeats.
        assertTrue(changed, "the penalties change some output");
    }

    @Test
    void theListenerGetsTheMostLikelyTokensBesideTheChosenOne() {
        List<long[]> prompts = prompts(nano, 2, 13);
        List<Alternatives> seen = new ArrayList<>();
        List<Long> chosen = new ArrayList<>();
        List<Double> chosenLogprobs = new ArrayList<>();
        try (BatchDecoder decoder = new BatchDecoder(nano, 2)) {
            decoder.submit(prompts.get(0), GenerationConfig.greedy(6), 5, (id, lp, top) -> {
                seen.add(top);
                chosen.add(id);
                chosenLogprobs.add(lp);
                return true;
            });
            decoder.submit(prompts.get(1), GenerationConfig.greedy(6), (id, lp, top) -> {
                assertEquals(0, top.ids().length, "none asked for");
                return true;
            });
            while (decoder.hasWork()) {
                decoder.step();
            }
        }
        assertFalse(seen.isEmpty());
        for (int t = 0; t < seen.size(); t++) {
            Alternatives top = seen.get(t);
            assertEquals(5, top.ids().length);
            assertEquals(chosen.get(t), top.ids()[0], "greedy chooses the most likely token");
            assertEquals(chosenLogprobs.get(t), top.logprobs()[0], 1e-12);
            double mass = 0;
            for (int k = 0; k < 5; k++) {
                mass += Math.exp(top.logprobs()[k]);
                assertTrue(k == 0 || top.logprobs()[k] <= top.logprobs()[k - 1], "most likely first");
            }
            assertTrue(mass <= 1 + 1e-9, "log-probabilities, not logits: " + mass);
        }
    }

    @Test
    void alternativesAreTheLargestLogitsInOrder() {
        float[] logits = {0f, 3f, -1f, 3f, 2f, 5f};
        Alternatives top = Alternatives.of(logits, 10, 4);
        assertArrayEquals(new long[] {5, 1, 3, 4}, top.ids(), "ties keep the lower id first");
        assertArrayEquals(new double[] {-5, -7, -7, -8}, top.logprobs());
        assertEquals(6, Alternatives.of(logits, 0, 20).ids().length);
    }

    @Test
    void cancelledAndStoppedSequencesLeaveAndFreeTheirRows() {
        List<long[]> prompts = prompts(nano, 3, 9);
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(40).optIgnoreEos(true).build();
        try (BatchDecoder decoder = new BatchDecoder(nano, 3)) {
            BatchDecoder.Sequence cancelled = decoder.submit(prompts.get(0), config, (id, lp, top) -> true);
            int[] seen = new int[1];
            BatchDecoder.Sequence stopped = decoder.submit(prompts.get(1), config, (id, lp, top) -> ++seen[0] < 5);
            BatchDecoder.Sequence full = decoder.submit(prompts.get(2), config, (id, lp, top) -> true);
            long perRow = 2L * Float.BYTES * nano.config().numLayers() * nano.config().numKvHeads()
                    * nano.config().headSize();
            decoder.step();
            decoder.step();
            assertEquals(3, decoder.running());
            assertTrue(decoder.cachedBytes() >= 3 * perRow, "three rows' caches: " + decoder.cachedBytes());
            cancelled.cancel();
            for (int i = 0; i < 8; i++) {
                decoder.step();
            }
            assertEquals(1, decoder.running(), "the cancelled and the stopped sequence left");
            assertEquals(FinishReason.STOP, cancelled.result().join().finishReason());
            assertEquals(5, stopped.result().join().ids().length);
            while (decoder.hasWork()) {
                decoder.step();
            }
            assertEquals(0, decoder.cachedBytes());
            assertArrayEquals(nano.generate(prompts.get(2), config, id -> true).ids(), full.result().join().ids());
        }
    }
}
