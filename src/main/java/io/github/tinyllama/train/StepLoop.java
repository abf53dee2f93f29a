package io.github.tinyllama.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;

/**
 * The loop that pre-training and fine-tuning runs share: optimizer steps up to the last, a metrics
 * line per step, a checkpoint after the last step and wherever the run asks, and a divergence message
 * that names the last good checkpoint.
 */
final class StepLoop {

    /** One optimizer step. */
    interface Step {
        StepMetrics run() throws IOException;
    }

    /** Writes a checkpoint of the current state; returns its directory. */
    interface Checkpointer {
        Path save() throws IOException;
    }

    private StepLoop() {}

    /**
     * Runs steps until {@code completedSteps} reaches {@code lastStep}.
     *
     * @param completedSteps optimizer steps done so far
     * @param lastStep the step count at which the run ends
     * @param saveAfter which step counts (besides the last) get a checkpoint
     * @param step runs one step
     * @param checkpointer writes a checkpoint
     * @param metricsFile the metrics file, or {@code null}
     * @param onStep called after every step, once its checkpoint (if any) is written
     * @throws IOException if a step cannot read its data or writing fails
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, naming the last good checkpoint
     */
    static void run(IntSupplier completedSteps, int lastStep, IntPredicate saveAfter, Step step,
            Checkpointer checkpointer, Path metricsFile, Consumer<StepMetrics> onStep) throws IOException {
        Path lastGood = null;
        try (MetricsLog log = metricsFile == null ? null : MetricsLog.open(metricsFile, completedSteps.getAsInt())) {
            while (completedSteps.getAsInt() < lastStep) {
                StepMetrics metrics;
                try {
                    metrics = step.run();
                } catch (TrainingDivergedException e) {
                    throw new TrainingDivergedException(e.getMessage() + "; the last good checkpoint is "
                            + (lastGood != null ? lastGood : "the one the run started from (none written by this run)"));
                }
                if (log != null) {
                    log.write(metrics);
                }
                int done = completedSteps.getAsInt();
                if (done == lastStep || saveAfter.test(done)) {
                    lastGood = checkpointer.save();
                }
                onStep.accept(metrics);
            }
        }
    }

    /** Every {@code every} steps; never when {@code every} is 0. */
    static IntPredicate every(int every) {
        return done -> every > 0 && done % every == 0;
    }
}
