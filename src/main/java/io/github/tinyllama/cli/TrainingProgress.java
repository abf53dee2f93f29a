package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import java.io.IOException;
import java.io.PrintStream;

/** A training run under DJL's progress bar, drawn on standard error (a run's results are files). */
final class TrainingProgress {

    private TrainingProgress() {}

    /** The run, given the bar to update after each step. */
    interface Run {
        void with(ProgressBar bar) throws IOException;
    }

    /**
     * Runs {@code run} with a bar of {@code total} steps, {@code done} of them already done. DJL's bar
     * shows item i (0-based) as (i + 1) / total done, so a step's update passes {@code step - 1}.
     */
    static void run(String label, int total, int done, Run run) throws IOException {
        ProgressBar bar = new ProgressBar(label, total);
        bar.update(done - 1);
        PrintStream stdout = System.out;
        // DJL's progress bar draws on standard output.
        System.setOut(System.err);
        try {
            run.with(bar);
        } finally {
            bar.end();
            System.setOut(stdout);
        }
    }
}
