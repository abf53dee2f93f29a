package io.github.tinyllama.cli;

import io.github.tinyllama.weights.ComputeType;

import picocli.CommandLine.Option;

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
                    + " whose values fit float16, else float32), float32 or float16. Default: ${DEFAULT-VALUE}.")
    ComputeType computeType;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto", converter = DeviceOption.Converter.class,
            description = "cpu, gpu, gpu:N, or auto (the engine's first GPU if it has one, else the CPU)."
                    + " Default: ${DEFAULT-VALUE}.")
    String device;

    /** The adapter to merge at load time; none on commands without {@code --adapter}. */
    Path adapter() {
        return null;
    }
}
