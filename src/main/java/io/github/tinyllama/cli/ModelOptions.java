package io.github.tinyllama.cli;

import io.github.tinyllama.generate.DecodeEngine;
import io.github.tinyllama.weights.ComputeType;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --model}, {@code --revision}, the compute type and {@code --device}, shared by every command that runs a model. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = "tinyllama-nano",
            description = "Hugging Face model directory, or a released checkpoint's name (downloaded once)."
                    + " Default: ${DEFAULT-VALUE}, the small model trained by this project.")
    String model;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of a released checkpoint's repository. Default: the catalogue's.")
    String revision;

    @Option(names = {"--compute-type", "--dtype"}, paramLabel = "TYPE", defaultValue = "auto",
            converter = TypeOptions.ComputeTypeConverter.class,
            description = "Compute type, how the weights are held: auto (float16 for a checkpoint stored in 16 bits"
                    + " whose values fit float16, else float32), float32, float16, or int8 (decoding with 8-bit weights,"
                    + " a scale per row; needs the script engine). Default: ${DEFAULT-VALUE}.")
    ComputeType computeType;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "script", converter = EngineConverter.class,
            description = "What runs the decode steps: script (the whole forward pass as one TorchScript call) or"
                    + " blocks (the DJL Blocks, one call per operation). Scoring always runs the Blocks."
                    + " Default: ${DEFAULT-VALUE}.")
    DecodeEngine engine;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", converter = DeviceOption.Converter.class,
            description = "cpu, gpu, gpu:N, or auto (the engine's first GPU if it has one, else the CPU)."
                    + " Default: ${DEFAULT-VALUE}.")
    String device;

    /** Parses {@code --engine}. */
    static final class EngineConverter implements ITypeConverter<DecodeEngine> {
        @Override
        public DecodeEngine convert(String value) {
            try {
                return DecodeEngine.of(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
