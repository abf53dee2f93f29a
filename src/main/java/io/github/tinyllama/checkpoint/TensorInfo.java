package io.github.tinyllama.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives on disk.
 *
 * @param name the tensor's name in the checkpoint, e.g. {@code model.norm.weight}
 * @param dtype its element type as stored
 * @param shape its dimensions (a copy is kept and returned, so callers may not alter it)
 * @param file the safetensors file holding it
 * @param offset the absolute byte offset of its first element in {@code file}
 * @param byteLength its size in bytes, {@code numel() * dtype.byteSize()}
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long offset, long byteLength) {

    /**
     * Checks for nulls and copies the shape.
     *
     * @param name the tensor's name
     * @param dtype its stored element type
     * @param shape its dimensions
     * @param file the file holding it
     * @param offset absolute byte offset in the file
     * @param byteLength size in bytes
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
    }

    /** @return a copy of the dimensions */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of elements (1 for a scalar) */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && file.equals(t.file) && offset == t.offset
                && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, offset, byteLength);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + ", " + dtype + ", " + Arrays.toString(shape) + ", " + file
                + " @" + offset + "+" + byteLength + "]";
    }
}
