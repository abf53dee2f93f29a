package io.github.tinyllama.cli;

import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.train.HeldOutLoss;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama held-out-loss}: a model's mean loss on held-out packed data. */
@Command(name = "held-out-loss", mixinStandardHelpOptions = true,
        description = "Print a model's mean next-token loss (nats) on packed blocks, read in file order.")
final class HeldOutLossCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    AdaptedModelOptions modelOptions;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Packed files from prepare-data.")
    Path dataDir;

    @Option(names = "--prefix", required = true, paramLabel = "NAME", description = "The held-out files' prefix.")
    String prefix;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int blocks;

    @Override
    public Integer call() throws Exception {
        Usage.require(spec, seqLen >= 1, "--seq-len must be at least 1, not " + seqLen);
        Usage.require(spec, blocks >= 1, "--blocks must be at least 1, not " + blocks);
        try (TinyLlama llm = ModelLoading.load(modelOptions, true)) {
            Usage.require(spec, seqLen <= llm.config().maxPositions(), "--seq-len " + seqLen
                    + " is longer than the model's context of " + llm.config().maxPositions() + " tokens");
            double loss = HeldOutLoss.compute(llm.languageModel(), dataDir, prefix, seqLen, blocks);
            System.out.printf(Locale.ROOT, "{\"prefix\": \"%s\", \"blocks\": %d, \"seq_len\": %d, \"loss\": %.4f,"
                    + " \"perplexity\": %.2f}%n", prefix, blocks, seqLen, loss, Math.exp(loss));
        }
        return 0;
    }
}
