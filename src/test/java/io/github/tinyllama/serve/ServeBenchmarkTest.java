package io.github.tinyllama.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class ServeBenchmarkTest {

    /** Exact in binary, so the rates below are exact too. */
    private static final double EXACT = 0;

    @Test
    void decodeRateCountsOnlyTheSpanInWhichEveryStreamDecodes() {
        // Stream a starts at 1 and decodes alone until b's first token at 3; a ends at 7, b goes on alone to 9.
        double[] a = {1, 2, 3, 4, 5, 6, 7};
        double[] b = {3, 5, 7, 9};
        ServeBenchmark.Round r = ServeBenchmark.summarise(2, List.of(a, b));
        // Within (3, 7]: a's 4, 5, 6, 7 and b's 5, 7: six tokens in four seconds.
        assertEquals(6.0 / 4, r.decodeTokensPerSecond(), EXACT);
        assertEquals(11.0 / 9, r.overallTokensPerSecond(), EXACT);
        assertEquals(11, r.tokens());
        assertEquals(1, r.ttftP50(), EXACT);
        assertEquals(3, r.ttftP95(), EXACT);
        assertEquals(1, r.tokenP50(), EXACT);
        assertEquals(2, r.tokenP95(), EXACT);
    }

    @Test
    void oneStreamDecodesOverItsTokensAfterTheFirst() {
        ServeBenchmark.Round r = ServeBenchmark.summarise(1, List.of(new double[] {0.5, 1, 1.5, 2.5}));
        assertEquals(3 / 2.0, r.decodeTokensPerSecond(), EXACT);
    }

    @Test
    void streamsThatNeverDecodeTogetherHaveNoDecodeRate() {
        ServeBenchmark.Round r = ServeBenchmark.summarise(2, List.of(new double[] {1, 2}, new double[] {3, 4}));
        assertTrue(Double.isNaN(r.decodeTokensPerSecond()), "rate " + r.decodeTokensPerSecond());
    }
}
