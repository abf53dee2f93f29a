package io.github.tinyllama.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

import io.github.tinyllama.config.LlamaConfig;

import java.util.ArrayList;
import java.util.List;

/** Model FLOPs per token and the machine's measured matrix-multiply peak, for utilisation figures. */
public final class Flops {

    /** Products {@link #measurePeak} runs for each shape: one warm-up, then the timed ones. */
    public static final int PRODUCTS_PER_SHAPE = 4;

    private Flops() {}

    /**
     * Training FLOPs per token: {@code 6·N} for the weights that take part in matrix products (forward
     * and backward) plus {@code 12·layers·hidden·seqLen} for attention scores and mixing, the usual
     * (PaLM) count. An untied input embedding is a table lookup, not a product, so it is left out of
     * {@code N}; counting it would claim work that never runs.
     *
     * @param config the architecture
     * @param seqLen the training sequence length
     * @return FLOPs per trained token
     */
    public static double trainingPerToken(LlamaConfig config, int seqLen) {
        long lookupOnly = config.tieWordEmbeddings() ? 0 : (long) config.vocabSize() * config.hiddenSize();
        return 6.0 * (config.parameterCount() - lookupOnly) + 12.0 * config.numLayers() * config.hiddenSize() * seqLen;
    }

    /**
     * The products one training step of a model runs, as {@code {rows, inner, columns}}: its
     * projections over {@code tokens} rows (q/k/v stacked, gate/up stacked, o, down, the vocabulary
     * head), plus a square {@code square}³ product.
     *
     * @param config the architecture
     * @param tokens rows of the products (micro-batch times sequence length)
     * @param square side of the square product
     * @return the shapes
     */
    public static List<long[]> gemmShapes(LlamaConfig config, long tokens, long square) {
        long h = config.hiddenSize();
        long kv = (long) config.numKvHeads() * config.headSize();
        long q = (long) config.numHeads() * config.headSize();
        List<long[]> shapes = new ArrayList<>();
        shapes.add(new long[] {square, square, square});
        shapes.add(new long[] {tokens, h, q + 2 * kv});
        shapes.add(new long[] {tokens, q, h});
        shapes.add(new long[] {tokens, h, 2L * config.intermediateSize()});
        shapes.add(new long[] {tokens, config.intermediateSize(), h});
        shapes.add(new long[] {tokens, h, config.vocabSize()});
        return shapes;
    }

    /**
     * Measures float32 matrix-multiply throughput on a device: the best of several square products.
     *
     * @param device where to measure
     * @param size the matrix side (1024 on a CPU is large enough to reach the peak)
     * @return FLOP/s
     */
    public static double measurePeak(Device device, int size) {
        return measurePeak(device, List.of(new long[] {size, size, size}));
    }

    /**
     * Measures float32 matrix-multiply throughput as the best over several shapes, each timed a few
     * times, so that a model whose own products run faster than a square one still gets an
     * utilisation of at most 100%.
     *
     * @param device where to measure
     * @param shapes products as {@code {rows, inner, columns}}, run as {@code linear} (the op the model uses)
     * @return FLOP/s of the fastest product
     */
    public static double measurePeak(Device device, List<long[]> shapes) {
        double best = 0;
        for (long[] s : shapes) {
            best = Math.max(best, measure(device, s[0], s[1], s[2]));
        }
        return best;
    }

    private static double measure(Device device, long rows, long inner, long columns) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray x = manager.randomUniform(-1, 1, new Shape(rows, inner));
            NDArray w = manager.randomUniform(-1, 1, new Shape(columns, inner));
            Linear.linear(x, w).close();
            double fastest = Double.MAX_VALUE;
            for (int i = 1; i < PRODUCTS_PER_SHAPE; i++) {
                long start = System.nanoTime();
                try (NDArray y = Linear.linear(x, w).singletonOrThrow()) {
                    y.getFloat(0, 0); // waits for asynchronous devices
                }
                fastest = Math.min(fastest, (System.nanoTime() - start) / 1e9);
            }
            return 2.0 * rows * inner * columns / fastest;
        }
    }
}
