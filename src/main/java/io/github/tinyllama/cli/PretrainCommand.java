package io.github.tinyllama.cli;

import ai.djl.Device;

import io.github.tinyllama.checkpoint.SideFiles;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.Mixture;
import io.github.tinyllama.data.MixtureSpec;
import io.github.tinyllama.data.PackedFormat;
import io.github.tinyllama.train.Flops;
import io.github.tinyllama.train.LearningRateSchedule;
import io.github.tinyllama.train.MixtureBlocks;
import io.github.tinyllama.train.PretrainPlan;
import io.github.tinyllama.train.PretrainRun;
import io.github.tinyllama.train.Pretrainer;
import io.github.tinyllama.train.TrainingSettings;
import io.github.tinyllama.util.RunDirectory;
import io.github.tinyllama.util.RunManifest;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Option(names = "--revision", paramLabel = "REV",
            description = "With --init NAME (or a plan's): branch, tag or commit of the checkpoint's repository."
                    + " Default: the catalogue's.")
    String revision;

    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Copy this directory's tokenizer files into every checkpoint, so each runs with generate.")
    Path tokenizer;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "2048", description = "Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--max-steps", paramLabel = "S", description = "Optimizer steps (required without --plan).")
    Integer maxSteps;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "4e-4", description = "Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--min-lr", paramLabel = "X", defaultValue = "4e-5", description = "Default: ${DEFAULT-VALUE}.")
    double minLr;

    @Option(names = "--warmup-steps", paramLabel = "W", defaultValue = "2000", description = "Default: ${DEFAULT-VALUE}.")
    int warmupSteps;

    @Option(names = "--beta1", paramLabel = "X", defaultValue = "0.9", description = "Default: ${DEFAULT-VALUE}.")
    double beta1;

    @Option(names = "--beta2", paramLabel = "X", defaultValue = "0.95", description = "Default: ${DEFAULT-VALUE}.")
    double beta2;

    @Option(names = "--no-shuffle", description = "Read blocks in file-name order, block by block.")
    boolean noShuffle;

    @Mixin
    TrainingOptions training = new TrainingOptions(8, 512, 0.1, 3407);

    @Mixin
    RunFileOptions files;

    /** Options a plan sets itself; giving one with --plan is a mistake worth stopping for. */
    private static final List<String> PLAN_OPTIONS = List.of("--mix", "--seq-len", "--micro-batch-size",
            "--global-batch-size", "--max-steps", "--lr", "--min-lr", "--warmup-steps", "--weight-decay", "--beta1",
            "--beta2", "--grad-clip", "--seed", "--save-every");

    @Override
    public Integer call() throws Exception {
        training.check(spec);
        Usage.require(spec, revision == null || start.config == null,
                "--revision selects the commit of --init NAME; a run from --config starts from no checkpoint");
        Device device = training.device(spec);
        files.check();
        return plan != null ? runPlan(device) : runSingle(device);
    }

    private int runSingle(Device device) throws Exception {
        if (maxSteps == null) {
            throw new IllegalArgumentException("give --max-steps (or a multi-stage --plan)");
        }
        Path init = start.init == null ? null : ModelLoading.resolve(start.init, revision, false);
        LlamaConfig config = model(init, "give --config FILE (from scratch) or --init DIR|NAME");
        TrainingSettings settings = new TrainingSettings(seqLen, training.microBatch, training.globalBatch, maxSteps,
                new LearningRateSchedule(lr, minLr, warmupSteps, maxSteps), training.weightDecay, beta1, beta2, 1e-8,
                training.gradClip, training.seed, training.saveEvery);
        checkContext("--seq-len " + seqLen, seqLen, config);
        MixtureSpec spec = mix == null ? null : MixtureSpec.parse(mix);
        RunManifest manifest = manifest(init, device).identity("mix", mix).identity("seq_len", seqLen)
                .identity("seed", training.seed).identity("shuffle", !noShuffle).setting("max_steps", maxSteps)
                .setting("micro_batch_size", training.microBatch).setting("global_batch_size", training.globalBatch)
                .setting("lr", lr).setting("min_lr", minLr).setting("warmup_steps", warmupSteps)
                .setting("weight_decay", training.weightDecay).setting("beta1", beta1).setting("beta2", beta2)
                .setting("grad_clip", training.gradClip).setting("save_every", training.saveEvery);
        try (RunDirectory run = openRun(manifest);
                MixtureBlocks data = new MixtureBlocks(Mixture.open(dataDir, spec, seqLen, training.seed, !noShuffle)
                        .checkingVocabulary(config.vocabSize()));
                Pretrainer trainer = Pretrainer.prepare(config, init, files.resume, settings, data, out, sideFiles(),
                        peakFlops(device), device)) {
            header(config, trainer, maxSteps, settings.tokensPerStep() + " tokens per step");
            TrainingProgress.run("Training", maxSteps, trainer.step(), bar -> PretrainRun.run(trainer, settings, out, files.metrics, files.plot,
                    m -> bar.update(m.step() - 1, String.format(Locale.ROOT, "loss %.4f, lr %.2e, %.0f tok/s, MFU %.0f%%",
                            m.loss(), m.lr(), m.tokensPerSecond(), 100 * m.mfu()))));
        }
        System.out.println("Trained " + out + " to step " + maxSteps);
        return 0;
    }

    private int runPlan(Device device) throws Exception {
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
        Path init = initName == null ? null : ModelLoading.resolve(planRelative(initName), revision, false);
        LlamaConfig config = model(init, "the plan starts from scratch: give --config FILE, or --init DIR|NAME"
                + " (or an \"init\" in its first stage) to continue pre-training released weights");
        TrainingSettings settings = stages.settings();
        int total = stages.totalSteps();
        checkContext("the plan's seq_len " + stages.seqLen(), stages.seqLen(), config);
        RunManifest manifest = manifest(init, device).identity("plan_seq_len", stages.seqLen())
                .identity("seed", stages.seed()).identity("shuffle", !noShuffle)
                .setting("plan", RunManifest.fileFingerprint(plan)).setting("steps", total);
        try (RunDirectory run = openRun(manifest);
                MixtureBlocks data = new MixtureBlocks(Mixture.open(dataDir, stages.prefixes(), stages.mixtureSchedule(),
                stages.seqLen(), stages.seed(), !noShuffle).checkingVocabulary(config.vocabSize()));
                Pretrainer trainer = Pretrainer.prepare(config, init, files.resume, settings, data, out, sideFiles(),
                        peakFlops(device), device)) {
            PretrainPlan.Stage now = stages.stages().get(stages.stageIndexAt(trainer.step()));
            header(config, trainer, total, stages.stages().size() + " stages, now '" + now.name() + "'");
            TrainingProgress.run("Training", total, trainer.step(), bar -> PretrainRun.run(trainer, stages, data, out, files.metrics, files.plot,
                    m -> bar.update(m.step() - 1, String.format(Locale.ROOT, "%s, %s tokens, loss %.4f, lr %.2e, %.0f tok/s",
                            m.stage(), tokenCount(m.tokens()), m.loss(), m.lr(), m.tokensPerSecond()))));
        }
        System.out.println("Trained " + out + " through " + stages.stages().size() + " stages (" + total + " steps)");
        return 0;
    }

    /**
     * The run's identity common to single runs and plans: the model it starts from and the data; the device is a
     * setting, so a run may resume on another.
     */
    private RunManifest manifest(Path init, Device device) throws IOException {
        return RunManifest.of("pretrain")
                .identity("model", init != null ? init.toAbsolutePath().normalize()
                        : "config sha256 " + RunManifest.fileFingerprint(start.config))
                .identity("data", dataDir.toAbsolutePath().normalize() + ", " + RunManifest.treeFingerprint(dataDir,
                        p -> p.getFileName().toString().endsWith(PackedFormat.SUFFIX)))
                .setting("tokenizer", tokenizer == null ? null : tokenizer.toAbsolutePath().normalize())
                .setting("device", DeviceOption.name(device));
    }

    private RunDirectory openRun(RunManifest manifest) throws IOException {
        RunDirectory run = RunDirectory.open(out, manifest, files.start());
        if (!run.notice().isEmpty()) {
            System.err.println("tinyllama pretrain: " + run.notice());
        }
        return run;
    }

    /** Training blocks longer than the model's context would fail at the first step, or worse, at a later one. */
    static void checkContext(String what, int length, LlamaConfig config) {
        if (length > config.maxPositions()) {
            throw new IllegalArgumentException(what + " is longer than the model's context (max_position_embeddings "
                    + config.maxPositions() + ")");
        }
    }

    /** A plan's "init" is a directory next to the plan file when one is there, else a released checkpoint's name. */
    private String planRelative(String init) {
        Path local = plan.toAbsolutePath().getParent().resolve(init);
        return start.init == null && Files.isDirectory(local) ? local.toString() : init;
    }

    private LlamaConfig model(Path init, String missing) throws IOException {
        if (start.config != null) {
            return LlamaConfig.fromFile(start.config);
        }
        if (init == null) {
            throw new IllegalArgumentException(missing);
        }
        return LlamaConfig.load(init);
    }

    private static double peakFlops(Device device) {
        return Flops.measurePeak(device, device.isGpu() ? 4096 : 1024);
    }

    private static void header(LlamaConfig config, Pretrainer trainer, int total, String what) {
        System.err.printf(Locale.ROOT, "tinyllama pretrain: %,d parameters, %s, step %d of %d, %s,"
                + " matmul peak %.1f GFLOP/s%n", config.parameterCount(), DeviceOption.name(trainer.device()),
                trainer.step(), total, what, trainer.peakFlops() / 1e9);
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

    private List<Path> sideFiles() throws IOException {
        if (tokenizer == null) {
            return List.of();
        }
        List<Path> files = SideFiles.existing(tokenizer, SideFiles.TOKENIZER_NAMES);
        if (files.isEmpty()) {
            throw new IOException(tokenizer + ": no tokenizer files ("
                    + String.join(", ", SideFiles.TOKENIZER_NAMES) + ")");
        }
        return files;
    }
}
