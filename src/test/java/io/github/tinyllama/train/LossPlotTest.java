package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Round ticks, a grid and a legend, as a plotting library draws them. */
class LossPlotTest {

    private static final int HELD_OUT_ORANGE = 0xff7f0e;
    private static final int GRID_GRAY = 0xE0E0E0;

    @Test
    void tickSpacingIsOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(0.5, LossPlot.Axis.niceStep(0.32), 1e-12);
        assertEquals(0.2, LossPlot.Axis.niceStep(0.23), 1e-12);
        assertEquals(1.0, LossPlot.Axis.niceStep(0.9), 1e-12);
        assertEquals(20, LossPlot.Axis.niceStep(27.2), 1e-9);
        assertEquals(0.005, LossPlot.Axis.niceStep(0.0061), 1e-15);
    }

    @Test
    void theLossAxisWidensToRoundTicksAndTheStepAxisKeepsItsRange() {
        LossPlot.Axis loss = LossPlot.Axis.of(4.02, 5.62, false);
        assertEquals(List.of("4.0", "4.5", "5.0", "5.5", "6.0"), loss.ticks().stream().map(loss::label).toList());
        LossPlot.Axis steps = LossPlot.Axis.of(1, 137, true);
        assertEquals(1, steps.min());
        assertEquals(137, steps.max());
        assertEquals(List.of("20", "40", "60", "80", "100", "120"), steps.ticks().stream().map(steps::label).toList());
        LossPlot.Axis flat = LossPlot.Axis.of(2.0, 2.0, false);
        assertTrue(flat.min() < 2.0 && flat.max() > 2.0, flat.toString());
    }

    @Test
    void drawsAGridAndAHeldOutCurveOnlyWhenOneIsGiven() {
        List<StepMetrics> train = new ArrayList<>();
        for (int s = 1; s <= 50; s++) {
            train.add(new StepMetrics(s, 6.0 - s * 0.03, 1e-4, 1, s * 100L, 100, 0.1, null, Map.of()));
        }
        BufferedImage trainOnly = LossPlot.render(train, "loss");
        assertTrue(count(trainOnly, GRID_GRAY) > 1000, "grid lines");
        assertFalse(count(trainOnly, HELD_OUT_ORANGE) > 0, "no held-out colour without a held-out curve");
        TreeMap<Integer, Double> heldOut = new TreeMap<>(Map.of(10, 5.8, 30, 5.2, 50, 4.7));
        assertTrue(count(LossPlot.render(train, heldOut, "loss"), HELD_OUT_ORANGE) > 50, "held-out curve and legend");
    }

    private static int count(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                n += (image.getRGB(x, y) & 0xFFFFFF) == rgb ? 1 : 0;
            }
        }
        return n;
    }
}
