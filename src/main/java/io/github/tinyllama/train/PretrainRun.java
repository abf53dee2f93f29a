package io.github.tinyllama.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Runs a {@link Pretrainer} to its last step: metrics line per step, checkpoints every
 * {@code saveEvery} steps and at the end, the final weights exported to the output directory as
 * a loadable model, and the loss curve drawn when asked.
 */
public final class PretrainRun {

    private PretrainRun() {}

    /**
     * Trains from the trainer's current step to {@code settings.maxSteps()}.
     *
     * @param trainer the prepared trainer (possibly resumed)
     * @param settings the run's settings
     * @param outDir where checkpoints and the final model go
     * @param metricsFile the metrics file, or {@code null}
     * @param plotFile the loss-curve PNG, or {@code null} (needs {@code metricsFile})
     * @param onStep called after every step, once its checkpoint (if any) is written
     * @throws IOException if writing fails
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, naming the last good checkpoint
     */
    public static void run(Pretrainer trainer, TrainingSettings settings, Path outDir, Path metricsFile, Path plotFile,
            Consumer<StepMetrics> onStep) throws IOException {
        Path lastGood = null;
        try (MetricsLog log = metricsFile == null ? null : MetricsLog.open(metricsFile, trainer.step())) {
            while (trainer.step() < settings.maxSteps()) {
                StepMetrics metrics;
                try {
                    metrics = trainer.trainStep();
                } catch (TrainingDivergedException e) {
                    throw new TrainingDivergedException(e.getMessage() + "; the last good checkpoint is "
                            + (lastGood != null ? lastGood : "the one the run started from (none written by this run)"));
                }
                if (log != null) {
                    log.write(metrics);
                }
                boolean last = trainer.step() == settings.maxSteps();
                if (last || (settings.saveEvery() > 0 && trainer.step() % settings.saveEvery() == 0)) {
                    lastGood = trainer.saveCheckpoint();
                }
                onStep.accept(metrics);
            }
        }
        trainer.exportModel(outDir);
        if (plotFile != null && metricsFile != null) {
            LossPlot.write(plotFile, MetricsLog.read(metricsFile), "training loss");
        }
    }
}
