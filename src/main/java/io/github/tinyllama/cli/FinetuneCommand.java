package io.github.tinyllama.cli;

import ai.djl.Device;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LoraSettings;
import io.github.tinyllama.nn.LoraTarget;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.train.FinetuneRun;
import io.github.tinyllama.train.FinetuneSettings;
import io.github.tinyllama.train.Finetuner;
import io.github.tinyllama.util.RunDirectory;
import io.github.tinyllama.util.RunManifest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama finetune}: supervised fine-tuning on chat data, full or LoRA. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tune a model on conversations (JSON Lines: messages, prompt/response or text); the loss"
                + " counts the assistant's replies and their end-of-turn token.")
final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR|NAME", defaultValue = "tinyllama-nano",
            description = "Hugging Face model directory, or a released checkpoint's name. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of a released checkpoint's repository. Default: the catalogue's.")
    String revision;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training examples (JSON Lines).")
    Path data;

    @Option(names = "--eval-data", paramLabel = "FILE", description = "Held-out examples: mean loss on replies before and after.")
    Path evalData;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "The result (adapter or model), checkpoints, and the tokenizer.")
    Path out;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat format: zephyr, chatml, guanaco or none. Default: the model's own (none if it declares none).")
    String template;

    @Option(names = "--lora", description = "Train LoRA adapters (base frozen) instead of every weight.")
    boolean lora;

    @Option(names = "--lora-rank", paramLabel = "R", defaultValue = "8", description = "Default: ${DEFAULT-VALUE}.")
    int loraRank;

    @Option(names = "--lora-alpha", paramLabel = "A", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}.")
    float loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0.05", description = "Default: ${DEFAULT-VALUE}.")
    float loraDropout;

    @Option(names = "--lora-targets", paramLabel = "LIST", defaultValue = "q,v",
            description = "Projections to adapt, from q,k,v,o,gate,up,down. Default: ${DEFAULT-VALUE}.")
    String loraTargets;

    @Option(names = "--merge", description = "With --lora, also write the merged model to OUT/merged.")
    boolean merge;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate. Default: 2e-4 with --lora, else 2e-5.")
    Double lr;

    @Option(names = "--constant-lr", description = "Keep the learning rate after the warm-up (default: cosine to 0).")
    boolean constantLr;

    @Option(names = "--warmup-ratio", paramLabel = "X", defaultValue = "0.05", description = "Default: ${DEFAULT-VALUE}.")
    double warmupRatio;

    @Option(names = "--max-seq-len", paramLabel = "N", defaultValue = "1024",
            description = "Longer examples are cut (and counted). Default: ${DEFAULT-VALUE}.")
    int maxSeqLen;

    @Option(names = "--add-tokens", paramLabel = "TOK,...", split = ",",
            description = "Add these tokens to the vocabulary (full fine-tuning); new embedding rows start at the mean.")
    List<String> addTokens = List.of();

    @Option(names = "--train-on-prompt", description = "Count every token in the loss, not only the replies.")
    boolean trainOnPrompt;

    @Mixin
    TrainingOptions training = new TrainingOptions(4, 16, 0, 42);

    @Mixin
    RunFileOptions files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        training.check(spec);
        Device device = training.device(spec);
        Usage.require(spec, loraRank >= 1, "--lora-rank must be at least 1, not " + loraRank);
        Usage.require(spec, loraAlpha > 0, "--lora-alpha must be positive, not " + loraAlpha);
        Usage.require(spec, loraDropout >= 0 && loraDropout < 1, "--lora-dropout must be in [0, 1), not " + loraDropout);
        Usage.require(spec, epochs >= 1, "--epochs must be at least 1, not " + epochs);
        Usage.require(spec, warmupRatio >= 0 && warmupRatio < 1, "--warmup-ratio must be in [0, 1), not " + warmupRatio);
        Usage.require(spec, maxSeqLen >= 2, "--max-seq-len must be at least 2, not " + maxSeqLen);
        Usage.require(spec, lr == null || lr > 0, "--lr must be positive, not " + lr);
        files.check();
        if (merge && !lora) {
            throw new IllegalArgumentException("--merge folds LoRA adapters into the model: give --lora too");
        }
        double rate = lr != null ? lr : lora ? 2e-4 : 2e-5;
        Path modelDir = ModelLoading.resolve(model, revision, false);
        int context = LlamaConfig.load(modelDir).maxPositions();
        // The default cut fits any model; a length the user asked for that the model cannot take is an error.
        int cut = spec.commandLine().getParseResult().hasMatchedOption("--max-seq-len") ? maxSeqLen
                : Math.min(maxSeqLen, context);
        FinetuneSettings settings = new FinetuneSettings(epochs, rate, constantLr, warmupRatio, training.microBatch,
                training.globalBatch, cut, training.weightDecay, 0.9, 0.999, training.gradClip, training.seed,
                training.saveEvery, trainOnPrompt);
        try (RunDirectory run = RunDirectory.open(out, manifest(modelDir, settings, device), files.start())) {
            if (!run.notice().isEmpty()) {
                System.err.println("tinyllama finetune: " + run.notice());
            }
            train(modelDir, settings, device);
        }
        System.out.println("Fine-tuned " + (lora ? "adapter" : "model") + " written to " + out
                + (merge ? " (merged model in " + out.resolve(FinetuneRun.MERGED_DIR) + ")" : ""));
        return 0;
    }

    /**
     * What makes a fine-tuning run this run: the model, the data, and what decides each step's examples and weights;
     * the device is a setting, so a run may resume on another.
     */
    private RunManifest manifest(Path modelDir, FinetuneSettings settings, Device device) throws IOException {
        return RunManifest.of("finetune").identity("model", modelDir.toAbsolutePath().normalize())
                .identity("data", data.toAbsolutePath().normalize() + ", sha256 " + RunManifest.fileFingerprint(data))
                .identity("template", template).identity("train_on_prompt", trainOnPrompt)
                .identity("lora", lora ? loraRank + "/" + loraAlpha + "/" + loraDropout + "/" + loraTargets : "full")
                .identity("add_tokens", String.join(",", addTokens)).identity("max_seq_len", settings.maxSeqLen())
                .identity("global_batch_size", settings.globalBatch()).identity("seed", settings.seed())
                .setting("epochs", epochs).setting("lr", settings.lr()).setting("constant_lr", constantLr)
                .setting("warmup_ratio", warmupRatio).setting("micro_batch_size", settings.microBatch())
                .setting("weight_decay", settings.weightDecay()).setting("grad_clip", settings.gradClip())
                .setting("save_every", settings.saveEvery()).setting("merge", merge)
                .setting("eval_data", evalData == null ? null : evalData.toAbsolutePath().normalize())
                .setting("device", DeviceOption.name(device));
    }

    private void train(Path modelDir, FinetuneSettings settings, Device device) throws Exception {
        int maxSeqLen = settings.maxSeqLen();
        Finetuner.Builder builder = Finetuner.builder(modelDir, data).optDevice(device).optEvalData(evalData).optSettings(settings)
                .optAddTokens(addTokens).setOutDir(out).optResume(files.resume).optBaseModelName(model);
        if (template != null) {
            builder.optTemplate(ChatTemplate.named(template));
        }
        if (lora) {
            builder.optLora(new LoraSettings(loraRank, loraAlpha, loraDropout, LoraTarget.parseAll(loraTargets)));
        }
        try (Finetuner finetuner = builder.build()) {
            System.err.printf(Locale.ROOT, "tinyllama finetune: %s, %s on %s, %,d trainable parameters; %d examples (%,d"
                    + " trained tokens, %d cut to %d tokens); step %d of %d%n", modelDir.getFileName(),
                    lora ? "LoRA" : "full", DeviceOption.name(finetuner.device()), finetuner.trainableParameters().values().stream()
                            .mapToLong(p -> p.getArray().size()).sum(),
                    finetuner.trainData().size(), finetuner.trainData().trainedTokens(),
                    finetuner.trainData().truncated(), maxSeqLen, finetuner.completedSteps(), finetuner.totalSteps());
            if (evalData != null) {
                System.err.printf(Locale.ROOT, "held-out loss on replies: %.4f%n", finetuner.evaluate());
            }
            TrainingProgress.run("Fine-tuning", finetuner.totalSteps(), finetuner.completedSteps(), bar ->
                    FinetuneRun.run(finetuner, out, merge, files.metrics, files.plot, m -> bar.update(m.step() - 1,
                            String.format(Locale.ROOT, "loss %.4f, lr %.2e, %.0f tok/s", m.loss(), m.lr(),
                                    m.tokensPerSecond()))));
            if (evalData != null) {
                System.out.printf(Locale.ROOT, "held-out loss on replies: %.4f%n", finetuner.evaluate());
            }
        }
    }
}
