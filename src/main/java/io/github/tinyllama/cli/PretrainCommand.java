package io.github.tinyllama.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.training.util.ProgressBar;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.Mixture;
import io.github.tinyllama.data.MixtureSpec;
import io.github.tinyllama.train.Flops;
import io.github.tinyllama.train.LearningRateSchedule;
import io.github.tinyllama.train.MixtureBlocks;
import io.github.tinyllama.train.PretrainRun;
import io.github.tinyllama.train.Pretrainer;
import io.github.tinyllama.train.TrainingSettings;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama pretrain}: the TinyLlama pre-training recipe on packed data. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pre-train (or continue pre-training) on packed data; defaults are the TinyLlama paper's.")
final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Packed files from prepare-data.")
    Path dataDir;

    @Option(names = "--mix", paramLabel = "SPEC",
            description = "Prefix weights, e.g. train_slim=0.693584,train_star=0.306416 (default: every file).")
    String mix;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Checkpoints and the final model.")
    Path out;

    @ArgGroup(multiplicity = "1")
    Start start;

    static final class Start {
        @Option(names = "--config", paramLabel = "FILE", description = "Train from scratch with this config.json.")
        Path config;

        @Option(names = "--init", paramLabel = "DIR", description = "Start from this Hugging Face model's weights.")
        Path init;
    }

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Copy this directory's tokenizer files into every checkpoint, so each runs with generate.")
    Path tokenizer;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "2048", description = "Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--micro-batch-size", paramLabel = "B", defaultValue = "8", description = "Default: ${DEFAULT-VALUE}.")
    int microBatch;

    @Option(names = "--global-batch-size", paramLabel = "G", defaultValue = "512", description = "Default: ${DEFAULT-VALUE}.")
    int globalBatch;

    @Option(names = "--max-steps", paramLabel = "S", required = true, description = "Optimizer steps.")
    int maxSteps;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "4e-4", description = "Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--min-lr", paramLabel = "X", defaultValue = "4e-5", description = "Default: ${DEFAULT-VALUE}.")
    double minLr;

    @Option(names = "--warmup-steps", paramLabel = "W", defaultValue = "2000", description = "Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--beta1", paramLabel = "X", defaultValue = "0.9", description = "Default: ${DEFAULT-VALUE}.")
    double beta1;

    @Option(names = "--beta2", paramLabel = "X", defaultValue = "0.95", description = "Default: ${DEFAULT-VALUE}.")
    double beta2;

    @Option(names = "--grad-clip", paramLabel = "X", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE}.")
    double gradClip;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "3407", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--no-shuffle", description = "Read blocks in file-name order, block by block.")
    boolean noShuffle;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "0", description = "Checkpoint every N steps (0: at the end only).")
    int saveEvery;

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint under --out.")
    boolean resume;

    @Option(names = "--metrics", paramLabel = "FILE", description = "One JSON line per step.")
    Path metrics;

    @Option(names = "--plot", paramLabel = "FILE", description = "Loss curve as a PNG (needs --metrics).")
    Path plot;

    @Override
    public Integer call() throws Exception {
        if (plot != null && metrics == null) {
            throw new IllegalArgumentException("--plot draws the --metrics file: give --metrics too");
        }
        LlamaConfig config = start.config != null ? LlamaConfig.fromFile(start.config) : LlamaConfig.load(start.init);
        TrainingSettings settings = new TrainingSettings(seqLen, microBatch, globalBatch, maxSteps,
                new LearningRateSchedule(lr, minLr, warmupSteps, maxSteps), weightDecay, beta1, beta2, 1e-8, gradClip,
                seed, saveEvery);
        Files.createDirectories(out);
        Device device = Engine.getInstance().defaultDevice();
        double peak = Flops.measurePeak(device, device.isGpu() ? 4096 : 1024);
        MixtureSpec spec = mix == null ? null : MixtureSpec.parse(mix);
        PrintStream err = System.err;
        try (MixtureBlocks data = new MixtureBlocks(Mixture.open(dataDir, spec, seqLen, seed, !noShuffle));
                Pretrainer trainer = Pretrainer.prepare(config, start.init, resume, settings, data, out, sideFiles(),
                        peak)) {
            err.printf(Locale.ROOT, "tinyllama pretrain: %,d parameters, %s, step %d of %d, %d tokens per step,"
                    + " matmul peak %.1f GFLOP/s%n", config.parameterCount(), device, trainer.step(), maxSteps,
                    settings.tokensPerStep(), peak / 1e9);
            ProgressBar bar = new ProgressBar("Training", maxSteps);
            bar.update(trainer.step());
            PrintStream stdout = System.out;
            // DJL's progress bar draws on standard output; the run's results are files, so it goes to stderr.
            System.setOut(err);
            try {
                PretrainRun.run(trainer, settings, out, metrics, plot, m -> bar.update(m.step(), String.format(
                        Locale.ROOT, "loss %.4f, lr %.2e, %.0f tok/s, MFU %.0f%%", m.loss(), m.lr(),
                        m.tokensPerSecond(), 100 * m.mfu())));
            } finally {
                bar.end();
                System.setOut(stdout);
            }
        }
        System.out.println("Trained " + out + " to step " + maxSteps);
        return 0;
    }

    private List<Path> sideFiles() throws java.io.IOException {
        List<Path> files = new ArrayList<>();
        if (tokenizer != null) {
            for (String name : new String[] {"tokenizer.json", "tokenizer_config.json", "tokenizer.model"}) {
                if (Files.isRegularFile(tokenizer.resolve(name))) {
                    files.add(tokenizer.resolve(name));
                }
            }
            if (files.isEmpty()) {
                throw new java.io.IOException(tokenizer + ": no tokenizer.json, tokenizer_config.json or tokenizer.model");
            }
        }
        return files;
    }
}
