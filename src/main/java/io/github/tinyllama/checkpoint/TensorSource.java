package io.github.tinyllama.checkpoint;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A tensor to be written, whose bytes are produced only when the writer reaches it.
 *
 * @param name the tensor's name
 * @param dtype its element type
 * @param shape its dimensions (copied)
 * @param data called once, during writing; must return exactly {@link #byteLength()} bytes between
 *     position and limit, little-endian
 */
public record TensorSource(String name, DType dtype, long[] shape, Supplier<ByteBuffer> data) {

    /**
     * Validates the name, copies the shape and checks that its byte size fits in a long.
     *
     * @param name the tensor's name; not empty, not {@code __metadata__}
     * @param dtype its element type
     * @param shape its dimensions, none negative
     * @param data supplies its bytes when written
     * @throws IllegalArgumentException for a bad name or a negative dimension
     * @throws ArithmeticException if the byte size overflows a long
     */
    public TensorSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("invalid tensor name \"" + name + "\"");
        }
        shape = shape.clone();
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor \"" + name + "\": negative dimension in "
                        + Arrays.toString(shape));
            }
            numel = Math.multiplyExact(numel, d);
        }
        Math.multiplyExact(numel, dtype.byteSize());
    }

    /**
     * A source over bytes already in memory.
     *
     * @param name the tensor's name
     * @param dtype its element type
     * @param shape its dimensions
     * @param bytes its little-endian bytes between position and limit (not copied; read when written)
     * @return the source
     */
    public static TensorSource of(String name, DType dtype, long[] shape, ByteBuffer bytes) {
        return new TensorSource(name, dtype, shape, bytes::duplicate);
    }

    /** @return a copy of the dimensions */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of bytes {@link #data()} must supply */
    public long byteLength() {
        long n = dtype.byteSize();
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
