package io.github.tinyllama.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.nn.Scalars;
import io.github.tinyllama.weights.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pre-training loop, with TinyLlama's semantics fixed so that runs can be compared with
 * PyTorch: next-token cross-entropy averaged over all target tokens of a global batch, gradients
 * accumulated over micro-batches, the accumulated gradient clipped by its global norm, then one
 * {@link AdamW} update at the learning rate of {@link LearningRateSchedule}.
 *
 * <p>Weights stay float32 (DJL has no bfloat16 and no loss scaling for float16 training).
 */
public final class Pretrainer implements AutoCloseable {

    private final Model model;
    private final LlamaNetwork block;
    private final Map<String, Parameter> parameters;
    private final TrainingSettings settings;
    private final TokenBlocks data;
    private final AdamW optimizer;
    private final RunCheckpoints checkpoints;
    private final double flopsPerToken;
    private final double peakFlops;
    private long tokens;

    private Pretrainer(Model model, LlamaNetwork block, TrainingSettings settings, TokenBlocks data,
            RunCheckpoints checkpoints, double peakFlops) {
        if (data.blockLength() != settings.seqLen() + 1) {
            throw new IllegalArgumentException("the data gives blocks of " + data.blockLength()
                    + " tokens but seq-len " + settings.seqLen() + " needs " + (settings.seqLen() + 1));
        }
        this.model = model;
        this.block = block;
        this.parameters = block.parametersByName();
        this.settings = settings;
        this.data = data;
        this.checkpoints = checkpoints;
        this.optimizer = new AdamW(settings.beta1(), settings.beta2(), settings.eps(), settings.weightDecay());
        this.flopsPerToken = Flops.trainingPerToken(block.config(), settings.seqLen());
        this.peakFlops = peakFlops;
        for (Parameter p : parameters.values()) {
            p.getArray().setRequiresGradient(true);
        }
    }

    /**
     * Prepares a run: from a checkpoint of the run itself when {@code resume} finds one, else from
     * {@code init} weights when given, else from scratch (lit-gpt's initialisation, seeded).
     *
     * @param config the architecture
     * @param init a Hugging Face model directory to start from, or {@code null}
     * @param resume whether to continue from the newest checkpoint under {@code outDir}
     * @param settings the hyper-parameters
     * @param data the training blocks
     * @param outDir where checkpoints go
     * @param sideFiles files copied into every checkpoint (tokenizer files)
     * @param peakFlops the machine's FLOP/s for MFU (0 to report none)
     * @return the trainer, positioned at the step and data position to run next, on the engine's default device
     * @throws IOException if a checkpoint cannot be read
     */
    public static Pretrainer prepare(LlamaConfig config, Path init, boolean resume, TrainingSettings settings,
            TokenBlocks data, Path outDir, List<Path> sideFiles, double peakFlops) throws IOException {
        return prepare(config, init, resume, settings, data, outDir, sideFiles, peakFlops,
                Engine.getInstance().defaultDevice());
    }

    /**
     * As {@link #prepare(LlamaConfig, Path, boolean, TrainingSettings, TokenBlocks, Path, List, double)}, on a
     * chosen device: the weights, the optimizer's moments and every step's arrays live there.
     *
     * @param device where to train
     */
    public static Pretrainer prepare(LlamaConfig config, Path init, boolean resume, TrainingSettings settings,
            TokenBlocks data, Path outDir, List<Path> sideFiles, double peakFlops, Device device) throws IOException {
        Engine.getInstance().setRandomSeed((int) settings.seed());
        Model model = Model.newInstance("tinyllama-train", device, "PyTorch");
        try {
            LlamaNetwork block = new LlamaNetwork(config);
            model.setBlock(block);
            RunCheckpoints checkpoints = new RunCheckpoints(outDir, config, sideFiles);
            Optional<Path> latest = resume ? checkpoints.latest() : Optional.empty();
            Path weights = latest.orElse(init);
            if (weights != null) {
                try (Checkpoint checkpoint = Checkpoint.open(weights)) {
                    WeightLoader.load(block, checkpoint, model.getNDManager(), DataType.FLOAT32, false, bytes -> {});
                }
            } else {
                initialise(block, config, model.getNDManager(), settings.seqLen());
            }
            Pretrainer trainer = new Pretrainer(model, block, settings, data, checkpoints, peakFlops);
            if (latest.isPresent()) {
                RunCheckpoints.State state = RunCheckpoints.state(latest.get());
                RunCheckpoints.checkFits(latest.get(), state, settings.maxSteps());
                RunCheckpoints.restoreOptimizer(latest.get(), trainer.optimizer, trainer.parameters.keySet(),
                        state.step(), model.getNDManager());
                trainer.tokens = state.tokens();
                data.seek(state.dataPosition());
            }
            return trainer;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * lit-gpt's initialisation, as TinyLlama pre-trained with: every matrix N(0, √(2/(5·hidden))),
     * the two output projections of each layer N(0, 1/√hidden/layers), norm weights 1.
     */
    private static void initialise(LlamaNetwork block, LlamaConfig config, NDManager manager, int seqLen) {
        float std = (float) Math.sqrt(2.0 / (5.0 * config.hiddenSize()));
        float outputStd = (float) (1 / Math.sqrt(config.hiddenSize()) / config.numLayers());
        block.setInitializer(new NormalInitializer(std), Parameter.Type.WEIGHT);
        block.setInitializer(new NormalInitializer(outputStd),
                p -> p.getName().equals("o_proj.weight") || p.getName().equals("down_proj.weight"));
        block.initialize(manager, DataType.FLOAT32, new Shape(1, seqLen));
    }

    /** Optimizer steps done so far. */
    public int step() {
        return optimizer.step();
    }

    /** The machine's FLOP/s the MFU is measured against (0: none). */
    public double peakFlops() {
        return peakFlops;
    }

    /** Where the weights and every step's arrays live. */
    public Device device() {
        return model.getNDManager().getDevice();
    }

    /** The block being trained. */
    public LlamaNetwork network() {
        return block;
    }

    /** The data position a checkpoint taken now would record. */
    public String dataPosition() {
        return data.position();
    }

    /**
     * Runs one optimizer step.
     *
     * @return what the step measured
     * @throws TrainingDivergedException if the loss or the gradient norm is not finite (nothing is updated)
     * @throws IOException if the training data cannot be read
     */
    public StepMetrics trainStep() throws IOException {
        return trainStep(settings.accumulation(), settings.schedule().at(optimizer.step()));
    }

    /**
     * Runs one optimizer step with a batch size and learning rate of the caller's choosing, as a
     * multi-stage plan sets them step by step (the micro-batch and sequence length stay the settings').
     *
     * @param accumulation micro-batches in this step
     * @param lr the learning rate of this step
     * @return what the step measured
     * @throws TrainingDivergedException if the loss or the gradient norm is not finite (nothing is updated)
     * @throws IOException if the training data cannot be read
     */
    public StepMetrics trainStep(int accumulation, double lr) throws IOException {
        long started = System.nanoTime();
        int step = optimizer.step();
        long stepTokens = (long) accumulation * settings.microBatch() * settings.seqLen();
        float perToken = 1f / stepTokens;
        double loss = 0;
        for (int micro = 0; micro < accumulation; micro++) {
            loss += accumulate(perToken);
        }
        double norm = GradientClipping.clipOrStop(parameters.values(), loss, step + 1, settings.gradClip());
        optimizer.update(parameters, lr);
        tokens += stepTokens;
        double seconds = (System.nanoTime() - started) / 1e9;
        double tokensPerSecond = stepTokens / seconds;
        double mfu = peakFlops > 0 ? tokensPerSecond * flopsPerToken / peakFlops : 0;
        return new StepMetrics(optimizer.step(), loss, lr, norm, tokens, tokensPerSecond, mfu);
    }

    /** Forward and backward of one micro-batch; returns its share of the step's mean loss. */
    private double accumulate(float perToken) throws IOException {
        int batch = settings.microBatch();
        int seqLen = settings.seqLen();
        long[] inputs = new long[batch * seqLen];
        long[] targets = new long[batch * seqLen];
        for (int b = 0; b < batch; b++) {
            long[] blockTokens = data.next();
            System.arraycopy(blockTokens, 0, inputs, b * seqLen, seqLen);
            System.arraycopy(blockTokens, 1, targets, b * seqLen, seqLen);
        }
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDArray ids = step.create(inputs, new Shape(batch, seqLen));
            NDArray wanted = step.create(targets, new Shape(batch, seqLen, 1));
            NDArray logits = block.forward(new ParameterStore(step, false), ids, null, false, true);
            NDArray sum = logits.logSoftmax(-1).gather(wanted, -1).sum().neg();
            NDArray loss = sum.mul(Scalars.of(sum, perToken));
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    /**
     * Saves a checkpoint of the current state under the output directory.
     *
     * @return the checkpoint directory
     */
    public Path saveCheckpoint() throws IOException {
        return checkpoints.save(parameters, optimizer, new RunCheckpoints.State(optimizer.step(), tokens, data.position()));
    }

    /** Writes the current weights as a Hugging Face model directory. */
    public void exportModel(Path dir) throws IOException {
        checkpoints.writeModel(dir, parameters);
    }

    @Override
    public void close() {
        model.close();
    }
}
