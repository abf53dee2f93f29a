package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final boolean[] NONE_SEEN = new boolean[3];

    private static float[] logits(double... probabilities) {
        float[] out = new float[probabilities.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.log(probabilities[i]);
        }
        return out;
    }

    @Test
    void greedyTakesTheLargestLogit() {
        Sampler s = new Sampler(GenerationConfig.greedy(1));
        assertEquals(1, s.next(new float[] {0.1f, 2f, -1f}, NONE_SEEN));
    }

    /**
     * 20,000 draws from (0.5, 0.3, 0.2): each count's standard deviation is at most
     * sqrt(20000 * 0.25) ≈ 71, so a band of ±300 (over 4 sigma) fails only on a real bias.
     */
    @Test
    void temperatureOneSamplesTheSoftmax() {
        Sampler s = new Sampler(GenerationConfig.builder().optTemperature(1).optSeed(1).build());
        int[] counts = new int[3];
        for (int i = 0; i < 20_000; i++) {
            counts[s.next(logits(0.5, 0.3, 0.2), NONE_SEEN)]++;
        }
        assertEquals(10_000, counts[0], 300);
        assertEquals(6_000, counts[1], 300);
        assertEquals(4_000, counts[2], 300);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheThreshold() {
        Sampler s = new Sampler(GenerationConfig.builder().optTemperature(1).optTopP(0.75).optSeed(2).build());
        int[] counts = new int[3];
        for (int i = 0; i < 5_000; i++) {
            counts[s.next(logits(0.5, 0.3, 0.2), NONE_SEEN)]++;
        }
        assertEquals(0, counts[2], "0.5 + 0.3 already reach 0.75");
        // Renormalised over the first two: 0.625 / 0.375; sd ≈ 34 over 5000 draws, band over 4 sigma.
        assertEquals(3_125, counts[0], 150);
    }

    /** Greedy picks from fixed logits (2, 1.5, 0), so each penalty's arithmetic shows in the order of choices. */
    private static int[] greedyPicks(GenerationConfig config, int count) {
        Sampler s = new Sampler(config);
        int[] picks = new int[count];
        for (int i = 0; i < count; i++) {
            picks[i] = s.next(new float[] {2f, 1.5f, 0f}, NONE_SEEN);
        }
        return picks;
    }

    @Test
    void theFrequencyPenaltyGrowsWithEachRepeat() {
        // Token 0 after c picks: 2 - 0.4c; token 1: 1.5 - 0.4c. 2 > 1.5; 1.6 > 1.5; 1.2 < 1.5; 1.2 > 1.1.
        assertArrayEquals(new int[] {0, 0, 1, 0}, greedyPicks(GenerationConfig.builder().optFrequencyPenalty(0.4)
                .build(), 4));
    }

    @Test
    void thePresencePenaltyCountsOnce() {
        // After one pick token 0 stands at 1.4 < 1.5; once both were picked, 1.4 > 0.9 for good.
        assertArrayEquals(new int[] {0, 1, 0, 0, 0}, greedyPicks(GenerationConfig.builder().optPresencePenalty(0.6)
                .build(), 5));
        // A negative penalty favours repeats: OpenAI allows -2..2.
        assertArrayEquals(new int[] {0, 0, 0}, greedyPicks(GenerationConfig.builder().optPresencePenalty(-1).build(), 3));
    }

    @Test
    void topKRestrictsTheCandidates() {
        Sampler s = new Sampler(GenerationConfig.builder().optTemperature(1).optTopK(2).optSeed(3).build());
        for (int i = 0; i < 2_000; i++) {
            assertTrue(s.next(logits(0.2, 0.5, 0.3), NONE_SEEN) != 0);
        }
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(GenerationConfig.builder().optRepetitionPenalty(2).build());
        // Token 0 (seen, 3 -> 1.5) loses to token 1 (unseen, 2); token 2 (seen, -1 -> -2) stays last.
        assertEquals(1, s.next(new float[] {3f, 2f, -1f}, new boolean[] {true, false, true}));
        float[] negative = {-1f, -1.5f, -3f};
        // Token 0 seen: -1 -> -2, now below token 1 (-1.5).
        assertEquals(1, s.next(negative, new boolean[] {true, false, false}));
    }
}
