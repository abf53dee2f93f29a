package io.github.tinyllama.checkpoint;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The floating-point element types this package reads and writes. */
public enum DType {
    /** IEEE 754 binary32. */
    F32("F32", "float32", 4),
    /** IEEE 754 binary16. */
    F16("F16", "float16", 2),
    /** bfloat16: the upper half of a binary32. */
    BF16("BF16", "bfloat16", 2);

    private final String safetensorsName;
    private final String torchName;
    private final int byteSize;

    DType(String safetensorsName, String torchName, int byteSize) {
        this.torchName = torchName;
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** @return the name transformers writes as {@code torch_dtype} in {@code config.json}, e.g. {@code "bfloat16"} */
    public String torchName() {
        return torchName;
    }

    /** @return the name used in a safetensors header, e.g. {@code "BF16"} */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** @return bytes per element */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Looks up a safetensors dtype name.
     *
     * @param name the header's {@code dtype} value, e.g. {@code "F16"}
     * @return the matching type
     * @throws IllegalArgumentException for any other dtype (integer, fp8, quantised, unknown)
     */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dtype \"" + name + "\" (supported: "
                + Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "))
                + ")");
    }
}
