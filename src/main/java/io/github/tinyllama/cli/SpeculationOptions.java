package io.github.tinyllama.cli;

import io.github.tinyllama.generate.Speculation;

import picocli.CommandLine.Option;

/** How prompt-lookup speculation drafts, shared by {@code generate}, {@code chat} and {@code bench}. */
final class SpeculationOptions {

    @Option(names = "--speculate-ngram", paramLabel = "N", defaultValue = "3",
            description = "Tokens that must match for a draft. Default: ${DEFAULT-VALUE}.")
    int ngram;

    @Option(names = "--speculate-tokens", paramLabel = "K", defaultValue = "8",
            description = "Most drafted tokens per pass. Default: ${DEFAULT-VALUE}.")
    int tokens;

    Speculation speculation() {
        return new Speculation(ngram, tokens);
    }
}
