package io.github.tinyllama.train;

import io.github.tinyllama.nn.LlamaModel;

import java.io.IOException;
import java.nio.file.Path;

/** PEFT adapter files of a model's LoRA weights (delegates to the adapter writer and reader). */
final class Adapters {

    private Adapters() {}

    static void write(LlamaModel block, Path dir) throws IOException {
        throw new UnsupportedOperationException("PEFT adapter writer not merged yet");
    }

    static void read(LlamaModel block, Path dir) throws IOException {
        throw new UnsupportedOperationException("PEFT adapter reader not merged yet");
    }
}
