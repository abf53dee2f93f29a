package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.zoo.HubClient;
import io.github.tinyllama.zoo.ModelLocator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** Finds (or downloads) and loads a model for a command, showing progress bars on an interactive terminal. */
final class ModelLoading {

    private ModelLoading() {}

    static TinyLlama load(ModelOptions options, AdapterOption adapter, boolean quiet) throws IOException {
        Path modelDir = resolve(options.model, quiet);
        TinyLlama.Builder builder = TinyLlama.builder(modelDir).dataType(options.dtype.dataType)
                .adapter(adapter.adapter);
        if (quiet || System.console() == null) {
            return builder.load();
        }
        long total;
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            total = checkpoint.totalBytes();
        }
        ProgressBar bar = new ProgressBar("Loading " + modelDir.getFileName(), total);
        return onStderr(() -> builder.progress(bar::increment).load(), bar);
    }

    /**
     * A model directory, or a released checkpoint's name (downloaded into the cache on first use).
     *
     * @param model what the user gave to {@code --model}
     * @param quiet no progress bar
     */
    static Path resolve(String model, boolean quiet) throws IOException {
        HubClient hub = HubClient.fromEnvironment();
        if (quiet || System.console() == null) {
            return ModelLocator.locate(model, hub, null);
        }
        ProgressBar bar = new ProgressBar();
        return onStderr(() -> ModelLocator.locate(model, hub, bar), bar);
    }

    /** Work that may throw an I/O error. */
    interface IoWork<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} with DJL's progress bar, which draws on standard output, moved to standard error. */
    static <T> T onStderr(IoWork<T> work, ProgressBar bar) throws IOException {
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            return work.run();
        } finally {
            bar.end();
            System.setOut(stdout);
        }
    }
}
