package io.github.tinyllama.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.SideFiles;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.SftData;
import io.github.tinyllama.data.SftEncoder;
import io.github.tinyllama.data.SftExample;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.weights.LoraAdapters;
import io.github.tinyllama.weights.LoraMerge;
import io.github.tinyllama.nn.LoraSettings;
import io.github.tinyllama.weights.WeightLoader;
import io.github.tinyllama.tokenizer.AddedTokens;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Supervised fine-tuning of a chat model on a DJL {@link Trainer}: full (every weight) or LoRA (the
 * base frozen, adapters trained).
 *
 * <p>One {@link #step()} is one optimizer step over {@code globalBatch} examples: micro-batches of
 * {@code microBatch} examples, right-padded to the longest (pads are left out of the loss), run
 * forward and backward through the trainer; the loss is {@link MaskedNextTokenLoss} weighted so that
 * the step's loss is the mean over the step's trained tokens; the accumulated gradient is clipped by
 * its global norm; then the trainer's {@code step()} applies {@link AdamW} with PyTorch's arithmetic.
 * Examples are visited in a seeded random order, reshuffled each epoch, with examples of similar length
 * batched together ({@link LengthBuckets}), so a run resumed at step {@code s} sees exactly the examples an
 * uninterrupted run would.
 *
 * <pre>{@code
 * try (Finetuner ft = Finetuner.builder(modelDir, trainFile).template(ChatTemplate.ZEPHYR)
 *         .lora(LoraSettings.defaults()).evalData(evalFile).outDir(out).build()) {
 *     while (ft.completedSteps() < ft.totalSteps()) {
 *         StepMetrics m = ft.step();
 *     }
 *     System.out.println(ft.evaluate());
 *     ft.save(out);
 * }
 * }</pre>
 */
public final class Finetuner implements AutoCloseable {

    private final Model model;
    private final Path modelDir;
    private final String baseModelName;
    private final LlamaNetwork block;
    private final LlamaTokenizer tokenizer;
    private final GenerationDefaults generationDefaults;
    private final FinetuneSettings settings;
    private final SftData train;
    private final SftData eval;
    private final Map<String, Parameter> trainable;
    private final AdamW adamW;
    private final TorchAdamW optimizer;
    private final Trainer trainer;
    private final RunCheckpoints checkpoints;
    private final LearningRateSchedule schedule;
    private final LengthBuckets order;
    private final int stepsPerEpoch;
    private final long padId;
    private long tokens;

    private Finetuner(Model model, Path modelDir, String baseModelName, LlamaNetwork block, LlamaTokenizer tokenizer,
            GenerationDefaults generationDefaults, FinetuneSettings settings, SftData train, SftData eval,
            RunCheckpoints checkpoints) {
        this.model = model;
        this.modelDir = modelDir;
        this.baseModelName = baseModelName;
        this.block = block;
        this.tokenizer = tokenizer;
        this.generationDefaults = generationDefaults;
        this.settings = settings;
        this.train = train;
        this.eval = eval;
        this.checkpoints = checkpoints;
        this.padId = tokenizer.eosId();
        this.order = new LengthBuckets(train.examples().stream().mapToInt(SftExample::length).toArray(),
                settings.globalBatch(), settings.seed());
        this.stepsPerEpoch = order.stepsPerEpoch();
        this.schedule = settings.schedule(totalSteps());
        if (block.lora().isPresent()) {
            block.freezeBase();
            trainable = block.loraParametersByName();
        } else {
            trainable = block.parametersByName();
        }
        Map<String, String> namesById = new LinkedHashMap<>();
        trainable.forEach((name, p) -> {
            p.getArray().setRequiresGradient(true);
            namesById.put(p.getId(), name);
        });
        adamW = new AdamW(settings.beta1(), settings.beta2(), 1e-8, settings.weightDecay());
        optimizer = new TorchAdamW(adamW, namesById);
        Device device = model.getNDManager().getDevice();
        trainer = model.newTrainer(new DefaultTrainingConfig(new MaskedNextTokenLoss()).optOptimizer(optimizer)
                .optDevices(new Device[] {device}));
    }

    /**
     * Starts configuring a run.
     *
     * @param modelDir the Hugging Face model directory to fine-tune
     * @param data the training examples (JSON Lines, see {@link io.github.tinyllama.data.ChatRecord})
     * @return the builder
     */
    public static Builder builder(Path modelDir, Path data) {
        return new Builder(modelDir, data);
    }

    /** Optimizer steps of the whole run: epochs × ⌈examples / global batch⌉. */
    public int totalSteps() {
        return settings.epochs() * stepsPerEpoch;
    }

    /** Optimizer steps done so far. */
    public int completedSteps() {
        return adamW.step();
    }

    /** The run's hyper-parameters. */
    public FinetuneSettings settings() {
        return settings;
    }

    /** The training data, encoded (sizes, truncation count). */
    public SftData trainData() {
        return train;
    }

    /** Where the weights and every step's arrays live. */
    public Device device() {
        return model.getNDManager().getDevice();
    }

    /** The model being trained. */
    public LlamaNetwork network() {
        return block;
    }

    /** The tokenizer (with any added tokens). */
    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    /** Parameters the optimizer updates (all of them, or LoRA's adapters), by name. */
    public Map<String, Parameter> trainableParameters() {
        return Collections.unmodifiableMap(trainable);
    }

    /**
     * The model as it is now, for generation (with the adapters, if any); it shares the weights, so
     * it stays valid only while this fine-tuner is open and is not to be closed by the caller.
     */
    public TinyLlama chatModel() {
        return TinyLlama.of(LanguageModel.of(model, generationDefaults), tokenizer);
    }

    /**
     * Runs one optimizer step.
     *
     * @return what the step measured (MFU is not measured: 0)
     * @throws TrainingDivergedException if the loss or the gradient norm is not finite (nothing is updated)
     * @throws IllegalStateException if the run is already complete
     */
    public StepMetrics step() {
        int step = completedSteps();
        if (step >= totalSteps()) {
            throw new IllegalStateException("the run is complete: " + totalSteps() + " steps");
        }
        long started = System.nanoTime();
        // LoRA's dropout draws from the engine's generator: seeded from (seed, step) at every step, the masks
        // of step s are the same in a resumed run as in an uninterrupted one, whatever ran in between.
        Engine.getInstance().setRandomSeed(stepSeed(settings.seed(), step));
        List<SftExample> batch = stepExamples(step);
        long counted = batch.stream().mapToLong(SftExample::trainedTokens).sum();
        float weight = counted == 0 ? 0 : 1f / counted;
        double loss = 0;
        long positions = 0;
        for (int from = 0; from < batch.size(); from += settings.microBatch()) {
            List<SftExample> micro = batch.subList(from, Math.min(batch.size(), from + settings.microBatch()));
            loss += accumulate(micro, weight);
            positions += micro.stream().mapToLong(SftExample::length).sum();
        }
        double norm = GradientClipping.clipOrStop(trainable.values(), loss, step + 1, settings.gradClip());
        double lr = schedule.at(step);
        optimizer.beginStep(lr);
        trainer.step();
        tokens += positions;
        double seconds = (System.nanoTime() - started) / 1e9;
        return new StepMetrics(completedSteps(), loss, lr, norm, tokens, positions / seconds, 0);
    }

    /** A seed for the random draws of optimizer step {@code step}: SplitMix64 of the run's seed and the step. */
    static int stepSeed(long seed, int step) {
        long z = seed + (step + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) (z ^ (z >>> 31));
    }

    /** The examples of optimizer step {@code step}: of similar length, longest first (see {@link LengthBuckets}). */
    private List<SftExample> stepExamples(int step) {
        List<SftExample> batch = new ArrayList<>();
        for (int i : order.step(step)) {
            batch.add(train.examples().get(i));
        }
        return batch;
    }

    /** Forward and backward of one micro-batch; returns its share of the step's loss. */
    private double accumulate(List<SftExample> micro, float weight) {
        try (NDScope scope = new NDScope(); NDManager manager = trainer.getManager().newSubManager();
                GradientCollector collector = trainer.newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDList[] batch = batch(micro, weight, manager);
            NDArray logits = trainer.forward(batch[0]).singletonOrThrow();
            NDArray loss = trainer.getLoss().evaluate(batch[1], new NDList(logits));
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    /**
     * Inputs {@code [B, T]} and labels (targets {@code [B, T]}, weights {@code [B, T]}), right-padded
     * to the longest example: a pad sits after every real token, so causal attention never lets a
     * real position see one, and its weight is 0.
     */
    private NDList[] batch(List<SftExample> micro, float weight, NDManager manager) {
        int rows = micro.size();
        int length = micro.stream().mapToInt(SftExample::length).max().orElseThrow();
        long[] inputs = new long[rows * length];
        long[] targets = new long[rows * length];
        float[] weights = new float[rows * length];
        Arrays.fill(inputs, padId);
        for (int r = 0; r < rows; r++) {
            SftExample example = micro.get(r);
            long[] ids = example.ids();
            for (int t = 0; t < example.length(); t++) {
                inputs[r * length + t] = ids[t];
                targets[r * length + t] = ids[t + 1];
                weights[r * length + t] = example.trained()[t + 1] ? weight : 0;
            }
        }
        Shape shape = new Shape(rows, length);
        return new NDList[] {
            new NDList(manager.create(inputs, shape)),
            new NDList(manager.create(targets, shape), manager.create(weights, shape)),
        };
    }

    /**
     * The mean loss per trained token (replies and their terminators, unless training on prompts) of
     * the evaluation data, with the weights as they are now.
     *
     * @return the mean cross-entropy in nats
     * @throws IllegalStateException if no evaluation data was given
     */
    public double evaluate() {
        if (eval == null) {
            throw new IllegalStateException("no evaluation data: give Builder.evalData");
        }
        double sum = 0;
        long counted = 0;
        List<SftExample> examples = eval.examples();
        for (int from = 0; from < examples.size(); from += settings.microBatch()) {
            List<SftExample> micro = examples.subList(from, Math.min(examples.size(), from + settings.microBatch()));
            try (NDScope scope = new NDScope(); NDManager manager = trainer.getManager().newSubManager()) {
                scope.suppressNotUsedWarning();
                NDList[] batch = batch(micro, 1f, manager);
                NDArray logits = trainer.evaluate(batch[0]).singletonOrThrow();
                sum += trainer.getLoss().evaluate(batch[1], new NDList(logits)).getFloat();
            }
            counted += micro.stream().mapToLong(SftExample::trainedTokens).sum();
        }
        return sum / counted;
    }

    /**
     * Saves the result into {@code dir}: the adapter in PEFT's layout for LoRA, else a Hugging Face
     * model (float32 safetensors, config with the current vocabulary size); the tokenizer files and
     * the generation config beside it either way.
     *
     * @param dir the output directory (created if missing)
     * @throws IOException if writing fails
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (block.lora().isPresent()) {
            checkpoints.writeSideFiles(dir);
            LoraAdapters.save(block, dir, baseModelName);
        } else {
            checkpoints.writeModel(dir, block.parametersByName());
        }
    }

    /**
     * Writes the base model with a saved adapter folded in as a plain Hugging Face checkpoint, each
     * tensor in the base's stored type ({@link LoraMerge}).
     *
     * @param adapterDir where {@link #save(Path)} wrote the adapter
     * @param dir the output directory
     * @throws IOException if reading or writing fails
     * @throws IllegalStateException if this run has no adapters
     */
    public void saveMerged(Path adapterDir, Path dir) throws IOException {
        if (block.lora().isEmpty()) {
            throw new IllegalStateException("full fine-tuning saves a plain model already; there is no adapter to merge");
        }
        LoraMerge.writeMerged(modelDir, adapterDir, dir, null);
    }

    /**
     * Writes a checkpoint of the run (weights or adapter, optimizer state, step) under the output
     * directory, atomically; {@link Builder#optResume(boolean)} continues from the newest.
     *
     * @return the checkpoint's directory
     * @throws IOException if writing fails
     */
    public Path saveCheckpoint() throws IOException {
        RunCheckpoints.State state = new RunCheckpoints.State(completedSteps(), tokens, String.valueOf(completedSteps()));
        if (block.lora().isPresent()) {
            return checkpoints.save(dir -> save(dir), adamW, state);
        }
        return checkpoints.save(trainable, adamW, state);
    }

    private void restore(Path checkpoint) throws IOException {
        RunCheckpoints.State state = RunCheckpoints.state(checkpoint);
        RunCheckpoints.restoreOptimizer(checkpoint, adamW, trainable.keySet(), state.step(), model.getNDManager());
        tokens = state.tokens();
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
        tokenizer.close();
    }

    /** Configures a fine-tuning run. */
    public static final class Builder {
        private final Path modelDir;
        private final Path data;
        private Path evalData;
        private ChatTemplate template;
        private LoraSettings lora;
        private List<String> addedTokens = List.of();
        private FinetuneSettings settings = FinetuneSettings.defaults(2e-5);
        private Path outDir;
        private boolean resume;
        private String baseModelName;
        private Device device;

        private Builder(Path modelDir, Path data) {
            this.modelDir = modelDir;
            this.data = data;
        }

        /** Held-out examples for {@link Finetuner#evaluate()}. */
        public Builder optEvalData(Path value) {
            evalData = value;
            return this;
        }

        /** How conversations are written; default: the template the model's tokenizer config declares, else none. */
        public Builder optTemplate(ChatTemplate value) {
            template = value;
            return this;
        }

        /** Trains LoRA adapters with these settings instead of every weight. */
        public Builder optLora(LoraSettings value) {
            lora = value;
            return this;
        }

        /** Tokens to add to the vocabulary (full fine-tuning only); new embedding rows start at the mean row. */
        public Builder optAddTokens(List<String> value) {
            addedTokens = List.copyOf(value);
            return this;
        }

        /** The hyper-parameters; default {@link FinetuneSettings#defaults(double)} at 2e-5. */
        public Builder optSettings(FinetuneSettings value) {
            settings = value;
            return this;
        }

        /** Where checkpoints (and, with added tokens, the extended tokenizer) go; required. */
        public Builder setOutDir(Path value) {
            outDir = value;
            return this;
        }

        /** The base model's name or hub id an adapter records ({@code base_model_name_or_path}); default: its directory. */
        public Builder optBaseModelName(String value) {
            baseModelName = value;
            return this;
        }

        /** Where to train: the weights, the optimizer's moments and every step's arrays; default: the engine's default device. */
        public Builder optDevice(Device value) {
            device = value;
            return this;
        }

        /** Continue from the newest complete checkpoint under the output directory, if there is one. */
        public Builder optResume(boolean value) {
            resume = value;
            return this;
        }

        /**
         * Loads the model, the tokenizer and the data, and prepares the trainer (resumed when asked).
         *
         * @return the fine-tuner
         * @throws IOException if a file is missing or malformed; the message names it (and the line, for data)
         */
        public Finetuner build() throws IOException {
            if (lora != null && !addedTokens.isEmpty()) {
                throw new IllegalArgumentException("--add-tokens needs full fine-tuning: a LoRA adapter does not carry"
                        + " the grown embedding matrix");
            }
            if (outDir == null) {
                throw new IllegalStateException("the output directory is required: Builder.outDir");
            }
            int context = LlamaConfig.load(modelDir).maxPositions();
            if (settings.maxSeqLen() > context) {
                throw new IllegalArgumentException("max-seq-len " + settings.maxSeqLen() + " is longer than the"
                        + " model's context (max_position_embeddings " + context + " in " + modelDir + ")");
            }
            Files.createDirectories(outDir);
            Engine.getInstance().setRandomSeed((int) settings.seed());
            RunCheckpoints probe = new RunCheckpoints(outDir, null, List.of());
            Optional<Path> latest = resume ? probe.latest() : Optional.empty();
            // A full fine-tuning checkpoint is a whole model (grown vocabulary and tokenizer included).
            Path weightsDir = latest.isPresent() && lora == null ? latest.get() : modelDir;
            Path tokenizerDir = weightsDir;
            if (!addedTokens.isEmpty() && latest.isEmpty()) {
                AddedTokens.write(modelDir, outDir, addedTokens);
                tokenizerDir = outDir;
            }
            ChatTemplate chosen = template != null ? template : ChatTemplate.detect(modelDir).orElse(ChatTemplate.NONE);
            LlamaTokenizer tokenizer = LlamaTokenizer.load(tokenizerDir);
            Model model = Model.newInstance("tinyllama-finetune", device, "PyTorch");
            try {
                LlamaNetwork block = new LlamaNetwork(LlamaConfig.load(weightsDir));
                try (Checkpoint checkpoint = Checkpoint.open(weightsDir)) {
                    WeightLoader.load(block, checkpoint, model.getNDManager(), DataType.FLOAT32, false, bytes -> {});
                }
                block = VocabularyResize.grow(block, Math.max(block.config().vocabSize(), tokenizer.vocabSize()),
                        model.getNDManager());
                if (lora != null && latest.isPresent()) {
                    LoraAdapters.load(block, latest.get(), model.getNDManager());
                } else if (lora != null) {
                    block.addLora(lora, model.getNDManager());
                }
                model.setBlock(block);
                SftEncoder encoder = new SftEncoder(tokenizer, chosen, settings.maxSeqLen(), settings.trainOnPrompt());
                SftData trainData = SftData.read(data, encoder);
                SftData evalSet = evalData == null ? null : SftData.read(evalData, encoder);
                RunCheckpoints checkpoints = new RunCheckpoints(outDir, block.config(), sideFiles(tokenizerDir));
                Finetuner finetuner = new Finetuner(model, modelDir, baseModelName != null ? baseModelName
                        : modelDir.toString(), block, tokenizer, GenerationDefaults.load(modelDir), settings, trainData,
                        evalSet, checkpoints);
                if (latest.isPresent()) {
                    RunCheckpoints.checkFits(latest.get(), RunCheckpoints.state(latest.get()), finetuner.totalSteps());
                    finetuner.restore(latest.get());
                }
                return finetuner;
            } catch (IOException | RuntimeException e) {
                model.close();
                tokenizer.close();
                throw e;
            }
        }

        /** Files a saved model needs beside its weights: the tokenizer's and the generation config. */
        private List<Path> sideFiles(Path tokenizerDir) {
            List<Path> files = SideFiles.existing(tokenizerDir, SideFiles.TOKENIZER_NAMES);
            files.addAll(SideFiles.existing(modelDir, List.of(GenerationDefaults.FILE_NAME)));
            return files;
        }
    }
}
