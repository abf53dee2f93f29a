package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The memory bandwidth a decode step can hope for: a streaming read (a sum) of a buffer far larger
 * than the caches, run by the engine with the same threads that run the model. A batch-1 decode step
 * reads every weight once, so bytes of weights per token over this bandwidth bounds tokens per second.
 */
public final class MemoryBandwidth {

    /** 512 MiB: well past any CPU's last-level cache, small enough to sit beside a loaded model. */
    public static final long DEFAULT_BYTES = 512L << 20;

    private MemoryBandwidth() {}

    /**
     * Measures read bandwidth as the best of several sums over one buffer.
     *
     * @param device where to measure; the engine's default device when {@code null}
     * @param bytes size of the buffer read
     * @param repeats measured reads (after one warm-up read that also faults the pages in)
     * @return bytes per second
     */
    public static double measure(Device device, long bytes, int repeats) {
        if (bytes < 4 || repeats < 1) {
            throw new IllegalArgumentException("measure at least 4 bytes at least once, not " + bytes + " bytes "
                    + repeats + " times");
        }
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray buffer = manager.ones(new Shape(bytes / 4), DataType.FLOAT32);
            buffer.sum().getFloat();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                try (NDArray sum = buffer.sum()) {
                    sum.getFloat(); // waits for asynchronous devices
                }
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            return buffer.getShape().size() * 4 / best;
        }
    }
}
