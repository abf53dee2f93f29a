package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.testing.Fixtures;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompt-lookup speculation must change only how many forward passes a generation takes, never its
 * output: on a tiny random model and on the trained tinyllama-nano, over plain and repetitive prompts,
 * greedy and seeded sampling, with stops by end-of-sequence, by the sink and by the budget.
 */
class SpeculationTest {

    @TempDir
    static Path dir;

    private static LanguageModel random;
    private static TinyLlama nano;

    @BeforeAll
    static void load() throws IOException {
        random = LanguageModel.load(Fixtures.GQA4_BF16.write(dir), DataType.FLOAT32, null, bytes -> {});
        nano = TinyLlama.load(Path.of("model-zoo", "nano"));
    }

    @AfterAll
    static void close() {
        random.close();
        nano.close();
    }

    @Test
    void theDraftIsWhatFollowedTheMostRecentEarlierMatch() {
        Speculation s = new Speculation(2, 3);
        long[] text = {7, 8, 1, 2, 3, 4, 5, 1, 2, 9, 6, 1, 2};
        // [1, 2] occurred at 7 (followed by 9, 6, 1) and at 2; the later one wins.
        assertArrayEquals(new long[] {9, 6, 1}, s.draft(text, text.length, 10));
        assertArrayEquals(new long[] {9}, s.draft(text, text.length, 1));
        // Only the first 9 tokens count: [5, 1, 2] ends in [1, 2], which occurred at 2.
        assertArrayEquals(new long[] {3, 4, 5}, s.draft(text, 9, 10));
        // A match right before the end offers what there is.
        assertArrayEquals(new long[] {1}, new Speculation(1, 4).draft(new long[] {1, 1}, 2, 10));
        assertArrayEquals(new long[0], s.draft(new long[] {1, 2, 3, 4}, 4, 10));
        assertArrayEquals(new long[0], Speculation.OFF.draft(text, text.length, 10));
        assertThrows(IllegalArgumentException.class, () -> new Speculation(0, 4));
        assertThrows(IllegalArgumentException.class, () -> new Speculation(2, -1));
    }

    private static List<long[]> randomModelPrompts() {
        List<long[]> prompts = new ArrayList<>();
        prompts.add(new long[] {1, 5, 9, 13});
        prompts.add(new long[] {1, 40, 41, 42, 43, 44, 40, 41, 42, 43, 44, 40, 41, 42});
        prompts.add(new long[] {1, 7, 7, 7, 7, 7, 7, 7, 7});
        long[] cycle = new long[60];
        for (int i = 0; i < cycle.length; i++) {
            cycle[i] = 3 + (i * 17) % 23;
        }
        prompts.add(cycle);
        return prompts;
    }

    private static GenerationConfig.Builder settings(int newTokens) {
        return GenerationConfig.builder().optMaxNewTokens(newTokens).optIgnoreEos(true);
    }

    @Test
    void greedyOutputIsTheSameWithAndWithoutDraftsOnARandomModel() {
        int drafted = 0;
        for (long[] prompt : randomModelPrompts()) {
            for (Speculation s : List.of(new Speculation(1, 4), new Speculation(2, 8), Speculation.NGRAM)) {
                GenerationResult plain = random.generate(prompt, settings(40).build(), id -> true);
                GenerationResult fast = random.generate(prompt, settings(40).optSpeculation(s).build(), id -> true);
                assertArrayEquals(plain.ids(), fast.ids(), s + " on " + java.util.Arrays.toString(prompt));
                assertEquals(0, plain.draftedTokens());
                drafted += fast.draftedTokens();
            }
        }
        assertTrue(drafted > 0, "the repetitive prompts gave drafts to check");
    }

    @Test
    void seededSamplingDrawsTheSameTokens() {
        for (long[] prompt : randomModelPrompts()) {
            GenerationConfig.Builder b = settings(30).optTemperature(0.7).optTopK(20).optRepetitionPenalty(1.1).optSeed(5);
            GenerationResult plain = random.generate(prompt, b.build(), id -> true);
            GenerationResult fast = random.generate(prompt, b.optSpeculation(new Speculation(1, 6)).build(), id -> true);
            assertArrayEquals(plain.ids(), fast.ids());
        }
    }

    @Test
    void stopsByEndOfSequenceSinkAndBudgetMatchPlainDecoding() {
        long[] prompt = randomModelPrompts().get(1);
        Speculation s = new Speculation(1, 8);
        // The model's greedy continuation of [1, 5, 9, 13] reaches end-of-sequence as its fourth token.
        GenerationResult eos = random.generate(new long[] {1, 5, 9, 13, 1, 5, 9},
                GenerationConfig.builder().optMaxNewTokens(30).optSpeculation(s).build(), id -> true);
        GenerationResult eosPlain = random.generate(new long[] {1, 5, 9, 13, 1, 5, 9}, GenerationConfig.greedy(30),
                id -> true);
        assertArrayEquals(eosPlain.ids(), eos.ids());
        assertEquals(eosPlain.finishReason(), eos.finishReason());
        for (int limit : new int[] {1, 2, 5, 9}) {
            int[] seen = new int[2];
            GenerationResult plain = random.generate(prompt, settings(30).build(), id -> ++seen[0] < limit);
            GenerationResult fast = random.generate(prompt, settings(30).optSpeculation(s).build(),
                    id -> ++seen[1] < limit);
            assertArrayEquals(plain.ids(), fast.ids());
            assertEquals(FinishReason.STOP, fast.finishReason());
            assertEquals(seen[0], seen[1], "the sink saw the same tokens");
            GenerationResult budget = random.generate(prompt, settings(limit).optSpeculation(s).build(), id -> true);
            assertArrayEquals(java.util.Arrays.copyOf(plain.ids(), limit), budget.ids());
        }
    }

    @Test
    void aSessionCachesWhatPlainDecodingWouldHaveCached() {
        long[] prompt = randomModelPrompts().get(3);
        GenerationConfig config = settings(20).optSpeculation(new Speculation(2, 8)).build();
        try (Session fast = random.newSession(128); Session plain = random.newSession(128)) {
            GenerationResult first = fast.generate(prompt, config, id -> true);
            assertTrue(first.acceptedTokens() > 0, "the cycle is copied from the prompt");
            plain.generate(prompt, settings(20).build(), id -> true);
            assertArrayEquals(plain.cachedTokens(), fast.cachedTokens());
            // The next turn reuses the cache: its keys and values must be those of a fresh pass.
            long[] next = concat(concat(prompt, first.ids()), new long[] {4, 5, 6});
            GenerationResult again = fast.generate(next, settings(15).build(), id -> true);
            assertArrayEquals(random.generate(next, settings(15).build(), id -> true).ids(), again.ids());
        }
    }

    @Test
    void nanoCopiesAGivenTextFasterInPassesAndIdentically() {
        String passage = "The old lighthouse keeper climbed the stairs every evening to light the lamp. "
                + "He counted the steps as he went, one hundred and twelve of them, and at the top he rested.";
        String[] prompts = {
            "Repeat the text exactly.\nText: " + passage + "\nRepeat: " + passage.substring(0, 40),
            "public int sum(int[] xs) {\n    int s = 0;\n    for (int x : xs) {\n        s += x;\n    }\n"
                    + "    return s;\n}\n\npublic int product(int[] xs) {\n    int s = 1;\n",
            "The cat sat on the mat. The cat sat on the mat. The cat sat on the",
            "Once upon a time",
        };
        int accepted = 0;
        for (String prompt : prompts) {
            GenerationResult plain = nano.generate(prompt, settings(48).build());
            GenerationResult fast = nano.generate(prompt, settings(48).optSpeculation(Speculation.NGRAM).build());
            assertArrayEquals(plain.ids(), fast.ids(), prompt);
            assertEquals(plain.text(), fast.text());
            accepted += fast.acceptedTokens();
        }
        assertTrue(accepted > 20, "copying and repetitive prompts keep drafted tokens: " + accepted);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
