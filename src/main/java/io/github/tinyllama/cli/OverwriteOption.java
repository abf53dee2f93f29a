package io.github.tinyllama.cli;

import picocli.CommandLine.Option;

/** {@code --overwrite} for the commands that write a whole output directory. */
final class OverwriteOption {

    @Option(names = "--overwrite",
            description = "Replace the output directory if it holds something else (by default that is refused).")
    boolean overwrite;
}
