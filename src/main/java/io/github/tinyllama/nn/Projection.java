package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
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
        NDArray y = Linear.linear(x.toType(weight.getDataType(), false), weight).singletonOrThrow();
        return y.toType(x.getDataType(), false);
    }
}
