package io.github.tinyllama.train;

import io.github.tinyllama.util.OutputDirectory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Runs a {@link Finetuner} to its last step: a metrics line per step, checkpoints every
 * {@code saveEvery} steps and at the end, the result saved into the output directory (the adapter
 * or the whole model; with {@code merge}, a merged model in {@code merged/} too) and the loss curve
 * drawn when asked.
 */
public final class FinetuneRun {

    /** Where a LoRA run's merged model goes, under the output directory. */
    public static final String MERGED_DIR = "merged";

    private FinetuneRun() {}

    /**
     * Trains from the fine-tuner's current step to its last.
     *
     * @param finetuner the prepared fine-tuner (possibly resumed)
     * @param outDir where checkpoints and the result go
     * @param merge also write the LoRA adapters merged into a plain model under {@link #MERGED_DIR}
     * @param metricsFile the metrics file, or {@code null}
     * @param plotFile the loss-curve PNG, or {@code null} (needs {@code metricsFile})
     * @param onStep called after every step, once its checkpoint (if any) is written
     * @throws IOException if writing fails
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, naming the last good checkpoint
     */
    public static void run(Finetuner finetuner, Path outDir, boolean merge, Path metricsFile,
            Path plotFile, Consumer<StepMetrics> onStep) throws IOException {
        StepLoop.run(finetuner::completedSteps, finetuner.totalSteps(),
                StepLoop.every(finetuner.settings().saveEvery()), finetuner::step, finetuner::saveCheckpoint,
                metricsFile, onStep);
        finetuner.save(outDir);
        if (merge) {
            OutputDirectory.writeWhole(outDir.resolve(MERGED_DIR), dir -> finetuner.saveMerged(outDir, dir));
        }
        if (plotFile != null && metricsFile != null) {
            LossPlot.write(plotFile, MetricsLog.read(metricsFile), "fine-tuning loss");
        }
    }
}
