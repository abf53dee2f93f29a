package io.github.tinyllama.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.config.LlamaConfig;

/** Model FLOPs per token and the machine's measured matrix-multiply peak, for utilisation figures. */
public final class Flops {

    private Flops() {}

    /**
     * Training FLOPs per token: {@code 6·N} for the weights (forward and backward) plus
     * {@code 12·layers·hidden·seqLen} for attention scores and mixing, the usual (PaLM) count.
     *
     * @param config the architecture
     * @param seqLen the training sequence length
     * @return FLOPs per trained token
     */
    public static double trainingPerToken(LlamaConfig config, int seqLen) {
        return 6.0 * config.parameterCount() + 12.0 * config.numLayers() * config.hiddenSize() * seqLen;
    }

    /**
     * Measures float32 matrix-multiply throughput on a device: the best of several square products.
     *
     * @param device where to measure
     * @param size the matrix side (1024 on a CPU is large enough to reach the peak)
     * @return FLOP/s
     */
    public static double measurePeak(Device device, int size) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.randomUniform(-1, 1, new Shape(size, size));
            NDArray b = manager.randomUniform(-1, 1, new Shape(size, size));
            a.matMul(b).close();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                NDArray c = a.matMul(b);
                c.getFloat(0, 0); // waits for asynchronous devices
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
                c.close();
            }
            return 2.0 * size * size * size / best;
        }
    }
}
