package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.weights.ComputeType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Measures load time, prefill and decode speed, and peak memory of a model directory, on random
 * prompt tokens (no tokenizer needed), decoding greedily without stopping at end-of-sequence.
 */
public final class Benchmark {

    private Benchmark() {}

    /**
     * What one benchmark run measured.
     *
     * @param loadSeconds time to read config and weights into the engine
     * @param prefillTokensPerSecond prompt tokens processed per second in the single prefill pass
     * @param decodeTokensPerSecond tokens per second of the single-token decode steps
     * @param peakRssBytes the process's peak resident memory ({@code VmHWM}), or -1 where unknown
     * @param promptTokens prompt length used
     * @param newTokens tokens generated
     * @param dataType the type the weight matrices were held in
     * @param device where the model ran
     */
    public record Result(double loadSeconds, double prefillTokensPerSecond, double decodeTokensPerSecond,
            long peakRssBytes, int promptTokens, int newTokens, DataType dataType, Device device) {}

    /**
     * Runs the benchmark: one warm-up generation of a few tokens, then the measured one.
     *
     * @param modelDir the model directory
     * @param dataType type of the weight matrices
     * @param device where to run; default device when {@code null}
     * @param promptTokens prompt length
     * @param newTokens tokens to decode
     * @return the measurements
     * @throws IOException if the model cannot be loaded
     */
    public static Result run(Path modelDir, DataType dataType, Device device, int promptTokens, int newTokens)
            throws IOException {
        return run(modelDir, ComputeType.of(dataType), device, promptTokens, newTokens);
    }

    /**
     * Runs the benchmark with the weight matrices in {@code computeType} ({@link ComputeType#AUTO} picks it from
     * the checkpoint).
     *
     * @see #run(Path, DataType, Device, int, int)
     */
    public static Result run(Path modelDir, ComputeType computeType, Device device, int promptTokens, int newTokens)
            throws IOException {
        long start = System.nanoTime();
        try (LanguageModel model = LanguageModel.load(modelDir, null, computeType, device, bytes -> {})) {
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            int vocab = model.config().vocabSize();
            if (promptTokens < 1 || promptTokens + newTokens > model.config().maxPositions()) {
                throw new IllegalArgumentException("prompt tokens (" + promptTokens + ") + new tokens (" + newTokens
                        + ") must be at least 1 and fit the context of " + model.config().maxPositions());
            }
            long[] prompt = new SplittableRandom(0).longs(promptTokens, 3, vocab).toArray();
            model.generate(prompt, settings(Math.min(4, newTokens)), id -> true);
            GenerationResult r = model.generate(prompt, settings(newTokens), id -> true);
            return new Result(loadSeconds, promptTokens / r.prefillSeconds(), r.decodeTokensPerSecond(),
                    peakRssBytes(), promptTokens, r.generatedTokens(), model.model().getDataType(),
                    model.model().getNDManager().getDevice());
        }
    }

    private static GenerationConfig settings(int newTokens) {
        return GenerationConfig.builder().maxNewTokens(newTokens).ignoreEos(true).build();
    }

    /** Peak resident set size of this process from {@code /proc/self/status}, or -1 where unavailable. */
    public static long peakRssBytes() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            for (String line : lines) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
