/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import java.util.List;

/**
 * Mixture weights as a function of the draw index, for runs whose mixture changes: a list of
 * phases, each starting at a draw, with its own weights over the mixture's sources (zero for a
 * source it does not use) and an optional linear ramp from other weights ("warm-up sampling",
 * TinyLlama v1.1's stage 2).
 *
 * <p>Over the {@code R} draws of a ramp the weights are the shares {@code f} of the ramp's start
 * and {@code t} of the phase's weights mixed as {@code f + (t − f)·min(1, (k + 1)/R)} at the
 * phase's {@code k}-th draw (0-based), so the last ramp draw uses the target exactly, as the
 * learning-rate warm-up does. After the ramp the phase's weights are used as given (not
 * normalised), so a constant phase picks exactly as Python's {@code random.choices} with those
 * weights.
 *
 * <p>Because the weights depend only on the draw index, a {@link Mixture.Position} (draws and
 * blocks per source) still says everything a resume needs.
 */
public final class MixtureSchedule {

    /**
     * One phase of a schedule.
     *
     * @param startDraw the first draw it governs
     * @param weights its weights, one per source (non-negative, at least one positive)
     * @param rampFrom the weights it ramps from, or {@code null} for none
     * @param rampDraws draws over which it ramps (0 when {@code rampFrom} is null)
     */
    public record Phase(long startDraw, double[] weights, double[] rampFrom, long rampDraws) {

        /** Checks the phase. */
        public Phase {
            weights = checked(weights, "weights");
            rampFrom = rampFrom == null ? null : checked(rampFrom, "ramp weights");
            if (startDraw < 0 || rampDraws < 0 || (rampFrom == null) != (rampDraws == 0)) {
                throw new IllegalArgumentException("a phase needs a start draw >= 0, and ramp weights exactly when it"
                        + " ramps over a positive number of draws");
            }
            if (rampFrom != null && rampFrom.length != weights.length) {
                throw new IllegalArgumentException("ramp weights for " + rampFrom.length + " sources, weights for "
                        + weights.length);
            }
        }

        @Override
        public double[] weights() {
            return weights.clone();
        }

        @Override
        public double[] rampFrom() {
            return rampFrom == null ? null : rampFrom.clone();
        }
    }

    private final List<Phase> phases;
    private final int sources;
    private final double[][] flatCumulative;

    /**
     * @param phases the phases, by increasing start draw; the first starts at draw 0
     */
    public MixtureSchedule(List<Phase> phases) {
        this.phases = List.copyOf(phases);
        if (this.phases.isEmpty() || this.phases.get(0).startDraw() != 0) {
            throw new IllegalArgumentException("a mixture schedule needs a phase starting at draw 0");
        }
        this.sources = this.phases.get(0).weights.length;
        this.flatCumulative = new double[this.phases.size()][];
        for (int i = 0; i < this.phases.size(); i++) {
            Phase p = this.phases.get(i);
            if (p.weights.length != sources) {
                throw new IllegalArgumentException("phase " + i + " has weights for " + p.weights.length
                        + " sources, phase 0 for " + sources);
            }
            if (i > 0 && p.startDraw() <= this.phases.get(i - 1).startDraw()) {
                throw new IllegalArgumentException("phases must start at increasing draws");
            }
            flatCumulative[i] = cumulative(p.weights);
        }
    }

    /** One phase with fixed weights for the whole run. */
    public static MixtureSchedule constant(double[] weights) {
        return new MixtureSchedule(List.of(new Phase(0, weights, null, 0)));
    }

    /** Sources the weights are over. */
    public int sources() {
        return sources;
    }

    /** The weights used for draw {@code draw} (0-based). */
    public double[] weightsAt(long draw) {
        int i = phaseAt(draw);
        Phase p = phases.get(i);
        long k = draw - p.startDraw();
        if (p.rampFrom == null || k >= p.rampDraws) {
            return p.weights.clone();
        }
        double progress = (double) (k + 1) / p.rampDraws;
        double[] from = shares(p.rampFrom);
        double[] to = shares(p.weights);
        double[] w = new double[sources];
        for (int s = 0; s < sources; s++) {
            w[s] = from[s] + (to[s] - from[s]) * progress;
        }
        return w;
    }

    /** Cumulative weights for draw {@code draw}, as {@code itertools.accumulate(weights)}; do not modify. */
    double[] cumulativeWeightsAt(long draw) {
        int i = phaseAt(draw);
        Phase p = phases.get(i);
        return p.rampFrom == null || draw - p.startDraw() >= p.rampDraws ? flatCumulative[i] : cumulative(weightsAt(draw));
    }

    private int phaseAt(long draw) {
        int i = phases.size() - 1;
        while (phases.get(i).startDraw() > draw) {
            i--;
        }
        return i;
    }

    private static double[] cumulative(double[] weights) {
        double[] cum = new double[weights.length];
        double acc = 0;
        for (int i = 0; i < weights.length; i++) {
            acc += weights[i];
            cum[i] = acc;
        }
        return cum;
    }

    private static double[] shares(double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double[] s = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            s[i] = weights[i] / total;
        }
        return s;
    }

    private static double[] checked(double[] weights, String what) {
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(what + " must be finite and >= 0");
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException(what + " need at least one positive weight");
        }
        return weights.clone();
    }
}
