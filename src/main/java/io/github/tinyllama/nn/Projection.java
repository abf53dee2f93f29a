package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;

/**
 * A bias-free linear map whose weight may be stored in lower precision than the activations.
 *
 * <p>Activations stay float32 (the residual stream, norms, softmax and rotary tables keep full
 * precision); only the matrix product runs in the weight's type, which halves the bytes a
 * memory-bound decode step has to stream when weights are float16.
 */
final class Projection {

    /**
     * Output rows per product when a few input rows meet a tall float32 weight. libtorch's MKL picks a
     * poor kernel for {@code [rows <= 32] x [out > ~4k, in]ᵀ} on the CPU: on the 2-core AMD EPYC
     * development machine eight rows through the stacked gate/up matrix (11264 x 2048) took 41-89 ms
     * whole and 20-26 ms as blocks of 2048 rows; the 32000-row vocabulary projection 149-211 ms whole
     * and 45-76 ms in blocks. One row (matrix-vector) is already fast and is left alone.
     */
    static final long BLOCK_ROWS = 2048;

    /** The most input rows taken as "a few": a batched decode step, not a prefill. */
    static final long FEW_ROWS = 32;

    private Projection() {}

    static NDArray apply(NDArray x, NDArray weight) {
        NDArray in = x.toType(weight.getDataType(), false);
        NDArray y = blocked(in, weight) ? inBlocks(in, weight) : Linear.linear(in, weight).singletonOrThrow();
        return y.toType(x.getDataType(), false);
    }

    /**
     * Whether to split the product by output rows: a few float32 input rows, a tall weight, and no gradient (a
     * training step keeps libtorch's single product, whose backward pass is the one tested).
     */
    private static boolean blocked(NDArray in, NDArray weight) {
        long rows = in.getShape().size() / in.getShape().tail();
        return rows > 1 && rows <= FEW_ROWS && weight.getShape().get(0) > BLOCK_ROWS
                && weight.getDataType() == DataType.FLOAT32 && !weight.hasGradient() && !in.getDevice().isGpu();
    }

    /** {@code x Wᵀ} as one product per block of {@link #BLOCK_ROWS} weight rows, joined along the last axis. */
    private static NDArray inBlocks(NDArray in, NDArray weight) {
        long out = weight.getShape().get(0);
        NDList parts = new NDList();
        try {
            for (long start = 0; start < out; start += BLOCK_ROWS) {
                // A slice of leading rows is a view of the weight's own storage: no copy.
                try (NDArray block = weight.get(new NDIndex().addSliceDim(start, Math.min(out, start + BLOCK_ROWS)))) {
                    parts.add(Linear.linear(in, block).singletonOrThrow());
                }
            }
            return NDArrays.concat(parts, -1);
        } finally {
            parts.close();
        }
    }
}
