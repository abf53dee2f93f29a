package io.github.tinyllama.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.Mixture;
import io.github.tinyllama.data.MixtureSpec;
import io.github.tinyllama.train.Flops;
import io.github.tinyllama.train.LearningRateSchedule;
import io.github.tinyllama.train.MixtureBlocks;
import io.github.tinyllama.train.PretrainPlan;
import io.github.tinyllama.train.PretrainRun;
import io.github.tinyllama.train.Pretrainer;
import io.github.tinyllama.train.TrainingSettings;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama pretrain}: the TinyLlama pre-training recipe on packed data. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pre-train (or continue pre-training) on packed data; defaults are the TinyLlama paper's.",
            "With --plan, run a multi-stage plan (model-zoo/plans/) instead of one run's options."})
final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Packed files from prepare-data.")
    Path dataDir;

    @Option(names = "--mix", paramLabel = "SPEC",
            description = "Prefix weights, e.g. train_slim=0.693584,train_star=0.306416 (default: every file).")
    String mix;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Checkpoints and the final model.")
    Path out;

    @Option(names = "--plan", paramLabel = "FILE",
            description = "A multi-stage plan (JSON): stages, batch sizes, mixtures and lr schedules; replaces the"
                    + " run options (--mix, --max-steps, --lr, ...).")
    Path plan;

    @ArgGroup(multiplicity = "0..1")
    Start start = new Start();

    static final class Start {
        @Option(names = "--config", paramLabel = "FILE", description = "Train from scratch with this config.json.")
        Path config;

        @Option(names = "--init", paramLabel = "DIR|NAME",
                description = "Start from this Hugging Face model directory or released checkpoint (downloaded once).")
        String init;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Copy this directory's tokenizer files into every checkpoint, so each runs with generate.")
    Path tokenizer;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "2048", description = "Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--micro-batch-size", paramLabel = "B", defaultValue = "8", description = "Default: ${DEFAULT-VALUE}.")
    int microBatch;

    @Option(names = "--global-batch-size", paramLabel = "G", defaultValue = "512", description = "Default: ${DEFAULT-VALUE}.")
    int globalBatch;

    @Option(names = "--max-steps", paramLabel = "S", description = "Optimizer steps (required without --plan).")
    Integer maxSteps;

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

    @Mixin
    RunFileOptions files;

    /** Options a plan sets itself; giving one with --plan is a mistake worth stopping for. */
    private static final List<String> PLAN_OPTIONS = List.of("--mix", "--seq-len", "--micro-batch-size",
            "--global-batch-size", "--max-steps", "--lr", "--min-lr", "--warmup-steps", "--weight-decay", "--beta1",
            "--beta2", "--grad-clip", "--seed", "--save-every");

    @Override
    public Integer call() throws Exception {
        files.check();
        return plan != null ? runPlan() : runSingle();
    }

    private int runSingle() throws Exception {
        if (maxSteps == null) {
            throw new IllegalArgumentException("give --max-steps (or a multi-stage --plan)");
        }
        Path init = start.init == null ? null : ModelLoading.resolve(start.init, false);
        LlamaConfig config = model(init, "give --config FILE (from scratch) or --init DIR|NAME");
        TrainingSettings settings = new TrainingSettings(seqLen, microBatch, globalBatch, maxSteps,
                new LearningRateSchedule(lr, minLr, warmupSteps, maxSteps), weightDecay, beta1, beta2, 1e-8, gradClip,
                seed, saveEvery);
        MixtureSpec spec = mix == null ? null : MixtureSpec.parse(mix);
        Files.createDirectories(out);
        double peak = peakFlops();
        try (MixtureBlocks data = new MixtureBlocks(Mixture.open(dataDir, spec, seqLen, seed, !noShuffle)
                .checkingVocabulary(config.vocabSize()));
                Pretrainer trainer = Pretrainer.prepare(config, init, files.resume, settings, data, out, sideFiles(),
                        peak)) {
            header(config, trainer, maxSteps, settings.tokensPerStep() + " tokens per step", peak);
            TrainingProgress.run("Training", maxSteps, trainer.step(), bar -> PretrainRun.run(trainer, settings, out, files.metrics, files.plot,
                    m -> bar.update(m.step() - 1, String.format(Locale.ROOT, "loss %.4f, lr %.2e, %.0f tok/s, MFU %.0f%%",
                            m.loss(), m.lr(), m.tokensPerSecond(), 100 * m.mfu()))));
        }
        System.out.println("Trained " + out + " to step " + maxSteps);
        return 0;
    }

    private int runPlan() throws Exception {
        List<String> clashing = PLAN_OPTIONS.stream().filter(spec.commandLine().getParseResult()::hasMatchedOption)
                .toList();
        if (!clashing.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", clashing) + ": the plan " + plan
                    + " sets these; edit the plan instead");
        }
        PretrainPlan stages = PretrainPlan.load(plan);
        String initName = start.init != null ? start.init : stages.init();
        if (initName != null && start.config != null) {
            throw new IllegalArgumentException("the plan's first stage starts from '" + initName
                    + "': --config (from scratch) contradicts it");
        }
        Path init = initName == null ? null : ModelLoading.resolve(planRelative(initName), false);
        LlamaConfig config = model(init, "the plan starts from scratch: give --config FILE, or --init DIR|NAME"
                + " (or an \"init\" in its first stage) to continue pre-training released weights");
        TrainingSettings settings = stages.settings();
        int total = stages.totalSteps();
        Files.createDirectories(out);
        double peak = peakFlops();
        try (MixtureBlocks data = new MixtureBlocks(Mixture.open(dataDir, stages.prefixes(), stages.mixtureSchedule(),
                stages.seqLen(), stages.seed(), !noShuffle).checkingVocabulary(config.vocabSize()));
                Pretrainer trainer = Pretrainer.prepare(config, init, files.resume, settings, data, out, sideFiles(),
                        peak)) {
            PretrainPlan.Stage now = stages.stages().get(stages.stageIndexAt(trainer.step()));
            header(config, trainer, total, stages.stages().size() + " stages, now '" + now.name() + "'", peak);
            TrainingProgress.run("Training", total, trainer.step(), bar -> PretrainRun.run(trainer, stages, data, out, files.metrics, files.plot,
                    m -> bar.update(m.step() - 1, String.format(Locale.ROOT, "%s, %s tokens, loss %.4f, lr %.2e, %.0f tok/s",
                            m.stage(), tokenCount(m.tokens()), m.loss(), m.lr(), m.tokensPerSecond()))));
        }
        System.out.println("Trained " + out + " through " + stages.stages().size() + " stages (" + total + " steps)");
        return 0;
    }

    /** A plan's "init" is a directory next to the plan file when one is there, else a released checkpoint's name. */
    private String planRelative(String init) {
        Path local = plan.toAbsolutePath().getParent().resolve(init);
        return start.init == null && Files.isDirectory(local) ? local.toString() : init;
    }

    private LlamaConfig model(Path init, String missing) throws java.io.IOException {
        if (start.config != null) {
            return LlamaConfig.fromFile(start.config);
        }
        if (init == null) {
            throw new IllegalArgumentException(missing);
        }
        return LlamaConfig.load(init);
    }

    private static double peakFlops() {
        Device device = Engine.getInstance().defaultDevice();
        return Flops.measurePeak(device, device.isGpu() ? 4096 : 1024);
    }

    private static void header(LlamaConfig config, Pretrainer trainer, int total, String what, double peak) {
        System.err.printf(Locale.ROOT, "tinyllama pretrain: %,d parameters, %s, step %d of %d, %s,"
                + " matmul peak %.1f GFLOP/s%n", config.parameterCount(), Engine.getInstance().defaultDevice(),
                trainer.step(), total, what, peak / 1e9);
    }

    /** 1234 → "1.23k", 1.8e12 → "1.80T". */
    static String tokenCount(long tokens) {
        String[] units = {"", "k", "M", "B", "T"};
        double value = tokens;
        int unit = 0;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? Long.toString(tokens) : String.format(Locale.ROOT, "%.2f%s", value, units[unit]);
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
