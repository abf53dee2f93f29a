package io.github.tinyllama.cli;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.Speculation;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/** The generation settings shared by {@code generate}, {@code chat} and the Spark module's {@code generate}. */
public final class SamplingOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "0 (default) decodes greedily; above 0 samples.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling threshold (1 = off).")
    double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1", description = "HF-style penalty (1 = off).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Sampling seed; the same seed gives the same output.")
    long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop before this text (repeatable).")
    List<String> stop = new ArrayList<>();

    /** How to draft tokens for speculative decoding. */
    enum SpeculateMode { none, ngram }

    @Option(names = "--speculate", paramLabel = "MODE", defaultValue = "none",
            description = "ngram: draft tokens by looking the last n-gram up in the prompt and output, check them in"
                    + " one pass (same output, fewer passes when the output copies its input). Default: ${DEFAULT-VALUE}.")
    SpeculateMode speculate;

    @Mixin
    SpeculationOptions drafting;

    /**
     * The settings as a generation config.
     *
     * @param leftTruncate whether an over-long prompt loses its start
     * @throws picocli.CommandLine.ParameterException (exit status 2) if a value is out of range
     */
    public GenerationConfig config(boolean leftTruncate) {
        try {
            return toBuilder().optLeftTruncate(leftTruncate).build();
        } catch (IllegalArgumentException e) {
            throw Usage.error(command, e.getMessage());
        }
    }

    GenerationConfig.Builder toBuilder() {
        return GenerationConfig.builder()
                .optMaxNewTokens(maxNewTokens)
                .optTemperature(temperature)
                .optTopK(topK)
                .optTopP(topP)
                .optRepetitionPenalty(repetitionPenalty)
                .optSeed(seed)
                .optStopStrings(stop)
                .optSpeculation(speculate == SpeculateMode.ngram ? drafting.speculation() : Speculation.OFF);
    }
}
