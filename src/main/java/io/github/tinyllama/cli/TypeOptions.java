package io.github.tinyllama.cli;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.weights.ComputeType;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/**
 * The two type vocabularies of the command line: a <em>compute type</em> ({@code auto}, {@code float32},
 * {@code float16}: how a command that runs the model holds its weights) and a <em>storage type</em>
 * ({@code bf16}, {@code f16}, {@code f32}: the element type a command that writes weights puts in the file).
 */
public final class TypeOptions {

    private TypeOptions() {}

    /** Parses {@code --compute-type} (alias {@code --dtype}). */
    public static final class ComputeTypeConverter implements ITypeConverter<ComputeType> {
        @Override
        public ComputeType convert(String value) {
            try {
                return ComputeType.of(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses {@code --storage-type} (alias {@code --dtype}): {@code bf16}, {@code f16} or {@code f32}. */
    static final class StorageTypeConverter implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            for (DType t : DType.values()) {
                if (storageName(t).equals(value)) {
                    return t;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a storage type: use bf16, f16 or f32");
        }
    }

    /** A storage type as the command line spells it: {@code bf16}, {@code f16}, {@code f32}. */
    static String storageName(DType type) {
        return type.safetensorsName().toLowerCase(Locale.ROOT);
    }
}
