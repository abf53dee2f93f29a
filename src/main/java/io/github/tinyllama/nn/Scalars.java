package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands that are safe under autograd.
 *
 * <p>DJL's {@code mul(Number)}, {@code div(Number)} and {@code pow(Number)} wrap the number in a
 * tensor over a Java direct buffer and close it right after the operation. Autograd keeps that
 * tensor for the backward pass, but once the Java side lets go of the buffer the garbage collector
 * may free it: backward then reads freed memory and gradients turn to NaN at random. A tensor that
 * libtorch allocates itself ({@code full}) is owned by its reference count and stays valid.
 * Operations whose backward does not need the scalar ({@code add}, {@code sub}) are safe either way.
 */
public final class Scalars {

    private Scalars() {}

    /**
     * A 0-dimensional tensor holding {@code value}, on the device and of the type of {@code like}.
     *
     * @param like the array the scalar will be combined with
     * @param value the value
     * @return the scalar, owned by libtorch and by {@code like}'s manager
     */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }
}
