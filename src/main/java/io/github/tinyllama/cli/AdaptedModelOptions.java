package io.github.tinyllama.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@link ModelOptions} and {@code --adapter}, for every command that runs a loaded model it may adapt. */
final class AdaptedModelOptions extends ModelOptions {

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors) for --model,"
                    + " merged into the weights at load time, so decoding runs at the base model's speed.")
    Path adapter;

    @Override
    Path adapter() {
        return adapter;
    }
}
