package io.github.tinyllama.train;

import ai.djl.Device;

import io.github.tinyllama.config.LlamaConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training throughput on random tokens: tokens per second and model FLOPs utilisation against a
 * matrix-multiply peak measured in the same run, so the figure means the same on every machine.
 */
public final class TrainingBenchmark {

    private TrainingBenchmark() {}

    /**
     * What the benchmark measured.
     *
     * @param tokensPerSecond trained tokens per second over the measured steps
     * @param mfu utilisation: achieved model FLOP/s over the measured peak
     * @param peakFlops the float32 matrix-multiply peak of the device (FLOP/s): the fastest of a square product
     *     and the model's own projections
     * @param flopsPerToken model FLOPs per trained token
     * @param parameters the model's parameter count
     * @param device where it trained
     */
    public record Result(double tokensPerSecond, double mfu, double peakFlops, double flopsPerToken, long parameters,
            Device device) {}

    /**
     * Trains {@code steps} optimizer steps (after one warm-up step) on random blocks.
     *
     * @param config the architecture
     * @param seqLen tokens per sequence
     * @param microBatch sequences per optimizer step
     * @param steps measured steps
     * @param device where to train and measure the peak
     * @return the measurements
     * @throws IOException if the scratch directory cannot be made
     */
    public static Result run(LlamaConfig config, int seqLen, int microBatch, int steps, Device device)
            throws IOException {
        double peak = Flops.measurePeak(device,
                Flops.gemmShapes(config, (long) seqLen * microBatch, device.isGpu() ? 4096 : 1024));
        TrainingSettings settings = new TrainingSettings(seqLen, microBatch, microBatch, steps + 1,
                new LearningRateSchedule(1e-4, 1e-5, 1, steps + 1), 0.1, 0.9, 0.95, 1e-8, 1.0, 0, 0);
        Path scratch = Files.createTempDirectory("tinyllama-bench-train");
        try (Pretrainer trainer = Pretrainer.prepare(config, null, false, settings, new RandomBlocks(config, seqLen),
                scratch, List.of(), peak, device)) {
            trainer.trainStep();
            long started = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                trainer.trainStep();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double tokensPerSecond = steps * settings.tokensPerStep() / seconds;
            double flopsPerToken = Flops.trainingPerToken(config, seqLen);
            return new Result(tokensPerSecond, tokensPerSecond * flopsPerToken / peak, peak, flopsPerToken,
                    config.parameterCount(), trainer.device());
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /** Uniform random token ids. */
    private static final class RandomBlocks implements TokenBlocks {
        private final SplittableRandom random = new SplittableRandom(0);
        private final int vocab;
        private final int length;
        private long read;

        RandomBlocks(LlamaConfig config, int seqLen) {
            this.vocab = config.vocabSize();
            this.length = seqLen + 1;
        }

        @Override
        public int blockLength() {
            return length;
        }

        @Override
        public long[] next() {
            read++;
            return random.longs(length, 0, vocab).toArray();
        }

        @Override
        public String position() {
            return Long.toString(read);
        }

        @Override
        public void seek(String position) {
            throw new UnsupportedOperationException("random benchmark blocks cannot be replayed");
        }
    }
}
