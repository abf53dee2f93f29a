package io.github.tinyllama.cli;

import picocli.CommandLine.Option;

/**
 * The options {@code pretrain} and {@code finetune} share. Each command makes its own instance with
 * its defaults (the TinyLlama paper's for pre-training, its SFT script's for fine-tuning); picocli
 * shows a field's initial value as its default.
 */
final class TrainingOptions {

    @Option(names = "--micro-batch-size", paramLabel = "B", description = "Default: ${DEFAULT-VALUE}.")
    int microBatch;

    @Option(names = "--global-batch-size", paramLabel = "G", description = "Default: ${DEFAULT-VALUE}.")
    int globalBatch;

    @Option(names = "--weight-decay", paramLabel = "X", description = "Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--grad-clip", paramLabel = "X", description = "Default: ${DEFAULT-VALUE}.")
    double gradClip = 1.0;

    @Option(names = "--seed", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--save-every", paramLabel = "N", description = "Checkpoint every N steps (0: at the end only).")
    int saveEvery;

    /** Picocli's own instance, for help on the class alone; the commands pass their defaults. */
    TrainingOptions() {
        this(1, 1, 0, 0);
    }

    TrainingOptions(int microBatch, int globalBatch, double weightDecay, long seed) {
        this.microBatch = microBatch;
        this.globalBatch = globalBatch;
        this.weightDecay = weightDecay;
        this.seed = seed;
    }
}
