package io.github.tinyllama.zoo;

import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooProvider;

/** Registers {@link TinyLlamaModelZoo} with DJL through {@code META-INF/services}. */
public final class TinyLlamaZooProvider implements ZooProvider {

    @Override
    public ModelZoo getModelZoo() {
        return new TinyLlamaModelZoo();
    }
}
