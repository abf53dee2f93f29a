package io.github.tinyllama.cli;

import picocli.CommandLine.Option;

/** {@code --model}, {@code --revision} and {@code --dtype}, shared by every command that runs a model. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = "tinyllama-nano",
            description = "Hugging Face model directory, or a released checkpoint's name (downloaded once)."
                    + " Default: ${DEFAULT-VALUE}, the small model trained by this project.")
    String model;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of a released checkpoint's repository. Default: the catalogue's.")
    String revision;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "Weight type: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Dtype dtype;
}
