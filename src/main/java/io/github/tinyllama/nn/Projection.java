package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * A bias-free linear map whose weight may be stored in lower precision than the activations.
 *
 * <p>Activations stay float32 (the residual stream, norms, softmax and rotary tables keep full
 * precision); only the matrix product runs in the weight's type, which halves the bytes a
 * memory-bound decode step has to stream when weights are float16.
 */
final class Projection {

    private Projection() {}

    static NDArray apply(NDArray x, NDArray weight) {
        Shape shape = x.getShape();
        // libtorch takes a slower path for 3-D inputs (measured 2x for a batch-1 float32 step), so multiply as 2-D.
        NDArray rows = x.reshape(-1, shape.get(shape.dimension() - 1)).toType(weight.getDataType(), false);
        NDArray y = Linear.linear(rows, weight).singletonOrThrow().toType(x.getDataType(), false);
        return y.reshape(shape.slice(0, shape.dimension() - 1).add(weight.getShape().get(0)));
    }
}
