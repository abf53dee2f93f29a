package io.github.tinyllama.cli;

import ai.djl.ndarray.types.DataType;

/** The compute types a user can choose for weight matrices ({@code --dtype}). */
enum Dtype {
    float32(DataType.FLOAT32),
    float16(DataType.FLOAT16);

    final DataType dataType;

    Dtype(DataType dataType) {
        this.dataType = dataType;
    }
}
