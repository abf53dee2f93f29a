package io.github.tinyllama.checkpoint;

/** The storage element types a {@code torch.save} pickle can name, by their legacy storage class. */
enum TorchType {
    FLOAT("FloatStorage", "float32", 4, DType.F32),
    HALF("HalfStorage", "float16", 2, DType.F16),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, DType.BF16),
    DOUBLE("DoubleStorage", "float64", 8, null),
    LONG("LongStorage", "int64", 8, null),
    INT("IntStorage", "int32", 4, null),
    SHORT("ShortStorage", "int16", 2, null),
    CHAR("CharStorage", "int8", 1, null),
    BYTE("ByteStorage", "uint8", 1, null),
    BOOL("BoolStorage", "bool", 1, null),
    /** {@code torch.UntypedStorage}: raw bytes. */
    UNTYPED("UntypedStorage", "uint8", 1, null);

    final String storageClass;
    final String dtypeName;
    final int byteSize;
    /** The matching {@link DType}, or null where this package cannot hold the type. */
    final DType dtype;

    TorchType(String storageClass, String dtypeName, int byteSize, DType dtype) {
        this.storageClass = storageClass;
        this.dtypeName = dtypeName;
        this.byteSize = byteSize;
        this.dtype = dtype;
    }

    /** @return the type whose storage class is {@code name}, or null */
    static TorchType byStorageClass(String name) {
        for (TorchType t : values()) {
            if (t.storageClass.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** @return the type whose {@code torch.<name>} dtype is {@code name}, or null */
    static TorchType byDtypeName(String name) {
        for (TorchType t : values()) {
            if (t != UNTYPED && t.dtypeName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** @return the legacy storage type for a {@link DType} */
    static TorchType of(DType dtype) {
        switch (dtype) {
            case F16:
                return HALF;
            case BF16:
                return BFLOAT16;
            default:
                return FLOAT;
        }
    }
}
