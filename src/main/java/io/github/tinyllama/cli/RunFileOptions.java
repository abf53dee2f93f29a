package io.github.tinyllama.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --resume}, {@code --metrics} and {@code --plot}, shared by the training commands. */
final class RunFileOptions {

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under --out.")
    boolean resume;

    @Option(names = "--metrics", paramLabel = "FILE", description = "One JSON line per step.")
    Path metrics;

    @Option(names = "--plot", paramLabel = "FILE", description = "Loss curve as a PNG (needs --metrics).")
    Path plot;

    /** Refuses a plot without the metrics file it is drawn from. */
    void check() {
        if (plot != null && metrics == null) {
            throw new IllegalArgumentException("--plot draws the --metrics file: give --metrics too");
        }
    }
}
