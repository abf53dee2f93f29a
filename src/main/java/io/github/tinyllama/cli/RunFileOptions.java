package io.github.tinyllama.cli;

import io.github.tinyllama.util.RunDirectory;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --resume}, {@code --overwrite}, {@code --metrics} and {@code --plot}, shared by the training commands. */
final class RunFileOptions {

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under --out.")
    boolean resume;

    @Option(names = "--overwrite",
            description = "Delete what --out holds (another run's checkpoints, any files) before starting.")
    boolean overwrite;

    @Option(names = "--metrics", paramLabel = "FILE", description = "One JSON line per step.")
    Path metrics;

    @Option(names = "--plot", paramLabel = "FILE", description = "Loss curve as a PNG (needs --metrics).")
    Path plot;

    /**
     * Refuses contradictory options and output files that could not be written, before any work.
     *
     * @throws IOException if the folder of --metrics or --plot cannot be written (the message names it)
     */
    void check() throws IOException {
        if (plot != null && metrics == null) {
            throw new IllegalArgumentException("--plot draws the --metrics file: give --metrics too");
        }
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume continues the run in --out, --overwrite deletes it: give one");
        }
        checkWritable("--metrics", metrics);
        checkWritable("--plot", plot);
    }

    /** How the run treats what --out holds. */
    RunDirectory.Start start() {
        return resume ? RunDirectory.Start.RESUME : overwrite ? RunDirectory.Start.OVERWRITE : RunDirectory.Start.NEW;
    }

    /** Creates the file's folder and checks that a file can be made there and the file itself replaced. */
    static void checkWritable(String option, Path file) throws IOException {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new IOException(option + " " + file + ": is a directory, not a file");
        }
        Path folder = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IOException(option + " " + file + ": cannot create its folder " + folder + " (" + e + ")", e);
        }
        if (!Files.isWritable(folder) || Files.exists(file) && !Files.isWritable(file)) {
            throw new IOException(option + " " + file + ": not writable");
        }
    }
}
