package io.github.tinyllama.train;

import io.github.tinyllama.data.Mixture;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * Runs a {@link Pretrainer} to its last step: metrics line per step, checkpoints every
 * {@code saveEvery} steps and at the end, the final weights exported to the output directory as
 * a loadable model, and the loss curve drawn when asked. A {@link PretrainPlan} run also
 * checkpoints at the end of every stage and labels each step with its stage and mixture.
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
        loop(trainer, settings.maxSteps(), done -> false, settings.saveEvery(), trainer::trainStep, outDir,
                metricsFile, plotFile, onStep);
    }

    /**
     * Runs a plan from the trainer's current step to its end: each step with its stage's batch
     * (accumulation) and learning rate, from the plan's one data stream.
     *
     * @param trainer the trainer, prepared with {@link PretrainPlan#settings()} over {@code data} (possibly resumed)
     * @param plan the plan
     * @param data the blocks, opened over {@link PretrainPlan#prefixes()} with {@link PretrainPlan#mixtureSchedule()}
     * @param outDir where checkpoints and the final model go
     * @param metricsFile the metrics file, or {@code null}
     * @param plotFile the loss-curve PNG, or {@code null} (needs {@code metricsFile})
     * @param onStep called after every step, once its checkpoint (if any) is written
     * @throws IOException if writing fails
     * @throws IllegalStateException if the data position does not belong to the trainer's step in this
     *     plan (a run resumed with an edited plan)
     * @throws TrainingDivergedException on a NaN or infinite loss or gradient, naming the last good checkpoint
     */
    public static void run(Pretrainer trainer, PretrainPlan plan, MixtureBlocks data, Path outDir, Path metricsFile,
            Path plotFile, Consumer<StepMetrics> onStep) throws IOException {
        Mixture mixture = data.mixture();
        long expected = plan.drawsBefore(trainer.step());
        if (mixture.position().draws() != expected) {
            throw new IllegalStateException("the run is at step " + trainer.step() + " with "
                    + mixture.position().draws() + " blocks drawn, but " + plan.file() + " draws " + expected
                    + " blocks before that step; was the plan changed since the checkpoint?");
        }
        loop(trainer, plan.totalSteps(), plan::endsStage, plan.saveEvery(), () -> {
            int step = trainer.step();
            Map<String, Double> shares = shares(mixture.names(), mixture.weights());
            return trainer.trainStep(plan.accumulationAt(step), plan.lrAt(step))
                    .inStage(plan.stages().get(plan.stageIndexAt(step)).name(), shares);
        }, outDir, metricsFile, plotFile, onStep);
    }

    private static void loop(Pretrainer trainer, int maxSteps, IntPredicate alsoSaveAfter, int saveEvery,
            StepLoop.Step step, Path outDir, Path metricsFile, Path plotFile, Consumer<StepMetrics> onStep)
            throws IOException {
        StepLoop.run(trainer::step, maxSteps, alsoSaveAfter.or(StepLoop.every(saveEvery)), step,
                trainer::saveCheckpoint, metricsFile, onStep);
        trainer.exportModel(outDir);
        if (plotFile != null && metricsFile != null) {
            LossPlot.write(plotFile, MetricsLog.read(metricsFile), "training loss");
        }
    }

    /** Weights as shares that sum to 1, by prefix. */
    private static Map<String, Double> shares(List<String> names, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            shares.put(names.get(i), weights[i] / total);
        }
        return shares;
    }
}
