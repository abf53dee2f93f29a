package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.config.LlamaConfig;
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
     * @param bandwidthBytesPerSecond streaming-read bandwidth measured in the same run ({@link MemoryBandwidth})
     * @param weightBytesPerToken bytes of weights one decode step reads
     * @param weights how the decode steps held the matrices: {@code float32}, {@code float16} or {@code int8}
     * @param engine what ran the decode steps
     * @param device where the model ran
     */
    public record Result(double loadSeconds, double prefillTokensPerSecond, double decodeTokensPerSecond,
            long peakRssBytes, int promptTokens, int newTokens, double bandwidthBytesPerSecond,
            long weightBytesPerToken, String weights, DecodeEngine engine, Device device) {

        /** The decode speed that reading every weight once per token at the measured bandwidth allows. */
        public double rooflineTokensPerSecond() {
            return bandwidthBytesPerSecond / weightBytesPerToken;
        }

        /** The fraction of that roofline the decode steps reached. */
        public double rooflineFraction() {
            return decodeTokensPerSecond / rooflineTokensPerSecond();
        }
    }

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
        return run(modelDir, ComputeType.of(dataType), DecodeEngine.SCRIPT, device, promptTokens, newTokens);
    }

    /**
     * Runs the benchmark with the weight matrices in {@code computeType} ({@link ComputeType#AUTO} picks it from
     * the checkpoint), decoding through {@code engine}.
     *
     * @see #run(Path, DataType, Device, int, int)
     */
    public static Result run(Path modelDir, ComputeType computeType, DecodeEngine engine, Device device,
            int promptTokens, int newTokens) throws IOException {
        long start = System.nanoTime();
        try (LanguageModel model = LanguageModel.load(modelDir, null, computeType, device, bytes -> {})
                .useEngine(engine)) {
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            int vocab = model.config().vocabSize();
            if (promptTokens < 1 || promptTokens + newTokens > model.config().maxPositions()) {
                throw new IllegalArgumentException("prompt tokens (" + promptTokens + ") + new tokens (" + newTokens
                        + ") must be at least 1 and fit the context of " + model.config().maxPositions());
            }
            long[] prompt = new SplittableRandom(0).longs(promptTokens, 3, vocab).toArray();
            model.generate(prompt, settings(Math.min(4, newTokens)), id -> true);
            GenerationResult r = model.generate(prompt, settings(newTokens), id -> true);
            double bandwidth = MemoryBandwidth.measure(device, MemoryBandwidth.DEFAULT_BYTES, 5);
            DataType held = model.model().getDataType();
            boolean int8 = computeType == ComputeType.INT8;
            return new Result(loadSeconds, promptTokens / r.prefillSeconds(), r.decodeTokensPerSecond(),
                    peakRssBytes(), promptTokens, r.generatedTokens(), bandwidth,
                    weightBytesPerToken(model.config(), int8 ? 1 : held.getNumOfBytes()),
                    int8 ? ComputeType.INT8.toString() : ComputeType.of(held).toString(), engine,
                    model.model().getNDManager().getDevice());
        }
    }

    /**
     * Bytes of weights a batch-1 decode step reads: every matrix once in {@code dataType}, the norms in
     * float32, and of the input embedding only one row (so an untied embedding table does not count).
     *
     * @param config the architecture
     * @param matrixBytes bytes per element of the weight matrices (1 for int8: its per-row scales are negligible)
     * @return bytes per token
     */
    public static long weightBytesPerToken(LlamaConfig config, int matrixBytes) {
        long hidden = config.hiddenSize();
        long norms = (2L * config.numLayers() + 1) * hidden;
        long embeddingTable = config.tieWordEmbeddings() ? 0 : (long) config.vocabSize() * hidden;
        long matrices = config.parameterCount() - norms - embeddingTable;
        return matrices * matrixBytes + norms * Float.BYTES + hidden * matrixBytes;
    }

    private static GenerationConfig settings(int newTokens) {
        return GenerationConfig.builder().optMaxNewTokens(newTokens).optIgnoreEos(true).build();
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
