package io.github.tinyllama.cli;

import ai.djl.Device;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

    @Mixin
    DeviceOption device = new DeviceOption();

    /** Picocli's own instance, for help on the class alone; the commands pass their defaults. */
    TrainingOptions() {
        this(1, 1, 0, 0);
    }

    /**
     * Refuses values no run can use, before any file is read.
     *
     * @throws picocli.CommandLine.ParameterException (exit status 2) naming the option
     */
    void check(CommandSpec spec) {
        Usage.require(spec, microBatch >= 1, "--micro-batch-size must be at least 1, not " + microBatch);
        Usage.require(spec, globalBatch >= 1, "--global-batch-size must be at least 1, not " + globalBatch);
        Usage.require(spec, weightDecay >= 0, "--weight-decay must not be negative, not " + weightDecay);
        Usage.require(spec, gradClip >= 0, "--grad-clip must not be negative, not " + gradClip);
        Usage.require(spec, saveEvery >= 0, "--save-every must not be negative, not " + saveEvery);
    }

    /**
     * The device {@code --device} names.
     *
     * @throws picocli.CommandLine.ParameterException (exit status 2) if the engine has no such GPU
     */
    Device device(CommandSpec spec) {
        return device.resolve(spec);
    }

    TrainingOptions(int microBatch, int globalBatch, double weightDecay, long seed) {
        this.microBatch = microBatch;
        this.globalBatch = globalBatch;
        this.weightDecay = weightDecay;
        this.seed = seed;
    }
}
