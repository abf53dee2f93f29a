package io.github.tinyllama.cli;

import io.github.tinyllama.checkpoint.DType;

/** Tensor types a command can write ({@code --dtype bf16|f16|f32}). */
enum StoredType {
    bf16(DType.BF16),
    f16(DType.F16),
    f32(DType.F32);

    final DType dtype;

    StoredType(DType dtype) {
        this.dtype = dtype;
    }
}
