package io.github.tinyllama.cli;

import ai.djl.Device;

import io.github.tinyllama.generate.DecodeEngine;
import io.github.tinyllama.weights.ComputeType;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;

/**
 * {@code --model}, {@code --revision}, the compute type and {@code --device}, shared by every command that runs a
 * model; {@link AdaptedModelOptions} adds {@code --adapter} for those that can merge one.
 */
class ModelOptions {

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

    @Mixin
    DeviceOption device = new DeviceOption();

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The device {@code --device} names.
     *
     * @throws picocli.CommandLine.ParameterException (exit status 2) if the engine has no such GPU
     */
    Device device() {
        return device.resolve(command);
    }

    /** The adapter to merge at load time; none on commands without {@code --adapter}. */
    Path adapter() {
        return null;
    }

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
