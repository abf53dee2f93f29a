package io.github.tinyllama.cli;

import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.generate.TinyLlama;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a model for a command, showing a progress bar on an interactive terminal. */
final class ModelLoading {

    private ModelLoading() {}

    static TinyLlama load(Path modelDir, Dtype dtype, boolean quiet) throws IOException {
        requireDirectory(modelDir);
        TinyLlama.Builder builder = TinyLlama.builder(modelDir).dataType(dtype.dataType);
        if (quiet || System.console() == null) {
            return builder.load();
        }
        long total;
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            total = checkpoint.totalBytes();
        }
        ProgressBar bar = new ProgressBar("Loading " + modelDir.getFileName(), total);
        // DJL's progress bar draws on standard output, which belongs to the command's results.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            return builder.progress(bar::increment).load();
        } finally {
            bar.end();
            System.setOut(stdout);
        }
    }

    static void requireDirectory(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw new IOException(modelDir + ": no such model directory");
        }
    }
}
