package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.ConfigException;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.weights.Devices;
import io.github.tinyllama.weights.LoraAdapters;
import io.github.tinyllama.weights.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * A causal language model over token ids: weights loaded into a DJL {@link Model}, generation with
 * a KV cache, and a {@link TokenScorer} for log-probabilities. {@link TinyLlama} adds the tokenizer for text in
 * and out.
 *
 * <p>Prompts go through the model in one pass; each further token costs one single-token step
 * that reuses the keys and values of everything before it. Every step runs in its own
 * {@link NDScope}, so nothing allocated for a token outlives it.
 */
public final class LanguageModel implements AutoCloseable {

    private final Model model;
    private final LlamaNetwork block;
    private final GenerationDefaults defaults;
    private final Set<Integer> eosIds;
    private final boolean ownsModel;
    private final Path directory;
    private final ScriptedStep.Kind scriptKind;
    private volatile ScriptedStep scripted;
    /** Open {@link BatchDecoder}s, which hold the engine they were built with until they close. */
    private int decoders;

    private LanguageModel(Model model, LlamaNetwork block, GenerationDefaults defaults, boolean ownsModel,
            Path directory, ScriptedStep.Kind scriptKind) {
        this.model = model;
        this.scriptKind = scriptKind;
        this.directory = directory;
        this.ownsModel = ownsModel;
        this.block = block;
        this.defaults = defaults;
        this.eosIds = new LinkedHashSet<>(block.config().eosTokenIds());
        eosIds.addAll(defaults.eosTokenIds());
    }

    /**
     * Loads {@code config.json}, {@code generation_config.json} and the safetensors weights of a model directory.
     *
     * @param modelDir the Hugging Face model directory
     * @param dataType {@link DataType#FLOAT32} or {@link DataType#FLOAT16} for the weight matrices
     * @param device where to run; the engine's default device when {@code null}
     * @param progress receives the number of weight bytes read after each tensor
     * @return the loaded model
     * @throws IOException if a file is missing or malformed; the message names it
     */
    public static LanguageModel load(Path modelDir, DataType dataType, Device device, LongConsumer progress)
            throws IOException {
        return load(modelDir, null, dataType, device, progress);
    }

    /**
     * Loads a model directory with a PEFT LoRA adapter merged into its weights at load time, so
     * decoding runs at the base model's speed.
     *
     * @param modelDir the Hugging Face model directory of the adapter's base model
     * @param adapterDir a PEFT adapter directory ({@code adapter_config.json}, {@code adapter_model.safetensors}),
     *     or {@code null} for the base model alone
     * @param dataType {@link DataType#FLOAT32} or {@link DataType#FLOAT16} for the weight matrices (the merged
     *     sum is formed in float32 and rounded once)
     * @param device where to run; the engine's default device when {@code null}
     * @param progress receives the number of base weight bytes read after each tensor
     * @return the loaded model
     * @throws IOException if a file is missing or malformed, or the adapter does not fit the model; the message
     *     names the file and field or tensor
     */
    public static LanguageModel load(Path modelDir, Path adapterDir, DataType dataType, Device device,
            LongConsumer progress) throws IOException {
        return load(modelDir, adapterDir, ComputeType.of(dataType), device, progress);
    }

    /**
     * Loads a model directory, with a PEFT LoRA adapter merged in when {@code adapterDir} is given, holding the
     * weight matrices in {@code computeType} ({@link ComputeType#AUTO} picks it from the checkpoint).
     *
     * @see #load(Path, Path, DataType, Device, LongConsumer)
     */
    public static LanguageModel load(Path modelDir, Path adapterDir, ComputeType computeType, Device device,
            LongConsumer progress) throws IOException {
        LlamaConfig config = LlamaConfig.load(modelDir);
        GenerationDefaults defaults = GenerationDefaults.load(modelDir);
        if (device != null) {
            Devices.check(device, Engine.getEngine("PyTorch"), "device " + device + " is not there");
        }
        Model model = Model.newInstance("tinyllama", device, "PyTorch");
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            DataType dataType = computeType.resolve(checkpoint);
            // Before the block: a config of absurd sizes must not even build its layers.
            try {
                WeightLoader.checkMemory(config, dataType, model.getNDManager().getDevice());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(modelDir.resolve(LlamaConfig.FILE_NAME) + ": " + e.getMessage(), e);
            }
            LlamaNetwork block = new LlamaNetwork(config);
            WeightLoader.load(block, checkpoint, model.getNDManager(), dataType, true, progress);
            if (adapterDir != null) {
                LoraAdapters.merge(block, adapterDir, model.getNDManager());
            }
            model.setBlock(block);
            model.setDataType(dataType);
            LanguageModel loaded = new LanguageModel(model, block, defaults, true, modelDir,
                    computeType == ComputeType.INT8 ? ScriptedStep.Kind.INT8 : ScriptedStep.Kind.of(dataType, device));
            return computeType == ComputeType.INT8 ? loaded.useEngine(DecodeEngine.SCRIPT) : loaded;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Generates with a DJL model that already holds a loaded {@link LlamaNetwork} block (for example a
     * {@code ZooModel}); closing the result leaves that model open.
     *
     * @param model the DJL model whose block is a {@link LlamaNetwork}
     * @param defaults the checkpoint's generation defaults
     * @return a view that generates and scores with the model's weights
     * @throws IllegalArgumentException if the model's block is not a {@link LlamaNetwork}
     */
    public static LanguageModel of(Model model, GenerationDefaults defaults) {
        if (!(model.getBlock() instanceof LlamaNetwork)) {
            throw new IllegalArgumentException("model '" + model.getName() + "' holds a "
                    + (model.getBlock() == null ? "null block" : model.getBlock().getClass().getName())
                    + ", not a LlamaNetwork");
        }
        return new LanguageModel(model, (LlamaNetwork) model.getBlock(), defaults, false, model.getModelPath(),
                ScriptedStep.Kind.of(model.getDataType(), model.getNDManager().getDevice()));
    }

    /** The directory the model was loaded from (its config, tokenizer and template files). */
    public Path directory() {
        return directory;
    }

    /** The model's architecture. */
    public LlamaConfig config() {
        return block.config();
    }

    /** The DJL block, for training, inspection or custom loops. */
    public LlamaNetwork network() {
        return block;
    }

    /**
     * Decodes through {@code engine} from now on (call it before decoding); the Blocks refuse int8 weights.
     *
     * @throws IllegalStateException if the engine would change while a {@link BatchDecoder} is open on this model
     */
    public synchronized LanguageModel useEngine(DecodeEngine engine) {
        if (decoders > 0 && (engine == DecodeEngine.SCRIPT) != (scripted != null)) {
            throw new IllegalStateException("a BatchDecoder is decoding with this model's " + (scripted != null
                    ? DecodeEngine.SCRIPT : DecodeEngine.BLOCKS) + " engine; close it before switching to " + engine);
        }
        if (engine == DecodeEngine.SCRIPT && scripted == null) {
            scripted = ScriptedStep.load(block, scriptKind, model.getNDManager());
        } else if (engine == DecodeEngine.BLOCKS && scriptKind == ScriptedStep.Kind.INT8) {
            throw new IllegalArgumentException("int8 weights decode only through the script engine");
        } else if (engine == DecodeEngine.BLOCKS && scripted != null) {
            scripted.close();
            scripted = null;
        }
        return this;
    }

    /** A batch decoder opens on this model: the engine stays as it is until {@link #releaseEngine()}. */
    synchronized Optional<ScriptedStep> holdEngine() {
        decoders++;
        return scriptedStep();
    }

    /** A batch decoder that {@link #holdEngine() held} the engine has closed. */
    synchronized void releaseEngine() {
        decoders--;
    }

    /** The scripted step decoding runs through ({@link DecodeEngine#SCRIPT}); empty for the Blocks. */
    public Optional<ScriptedStep> scriptedStep() {
        return Optional.ofNullable(scripted);
    }

    /** The DJL model holding the weights. */
    public Model model() {
        return model;
    }

    /** Generation settings shipped with the checkpoint. */
    public GenerationDefaults generationDefaults() {
        return defaults;
    }

    /**
     * Generates tokens after a prompt.
     *
     * @param promptIds the prompt's token ids, used as given (no BOS is added)
     * @param config budget, sampling and stop rules (stop strings are the caller's business, through {@code sink})
     * @param sink receives each new token except an end-of-sequence one; returning {@code false} stops generation
     * @return the new tokens, why generation stopped and timings; its text is empty (no tokenizer here)
     * @throws IllegalArgumentException if the prompt is empty, holds ids outside the vocabulary, or does not fit the
     *     context (unless {@link GenerationConfig#leftTruncate()})
     */
    public GenerationResult generate(long[] promptIds, GenerationConfig config, TokenSink sink) {
        long[] prompt = fitPrompt(promptIds, config);
        int capacity = (int) Math.min(config().maxPositions(), (long) prompt.length + config.maxNewTokens());
        try (Session session = newSession(capacity)) {
            return session.generate(prompt, config, sink);
        }
    }

    /**
     * Opens a session: a KV cache that keeps what the model has read between calls, so a
     * conversation pays only for its new tokens.
     *
     * @param capacity the most tokens the session will hold (at most the model's context)
     * @return the session; close it to free its cache
     */
    public Session newSession(int capacity) {
        if (capacity < 1 || capacity > config().maxPositions()) {
            throw new IllegalArgumentException("a session holds 1 to " + config().maxPositions()
                    + " tokens (the model's context), not " + capacity);
        }
        return new Session(this, capacity);
    }

    boolean isEndOfSequence(int id) {
        return eosIds.contains(id);
    }

    /**
     * Scores given tokens with this model's weights: single sequences, batches, continuations of shared contexts.
     *
     * @return a scorer; it holds no state of its own, so getting one is cheap
     */
    public TokenScorer scorer() {
        return new TokenScorer(this);
    }

    /** The next-token logits of the last {@code positions} positions of {@code input}, run after the cache. */
    float[][] lastLogits(long[] input, int positions, KvCache cache) {
        ScriptedStep step = scripted;
        return step != null ? step.lastLogits(input, positions, cache, model.getNDManager())
                : BlocksStep.lastLogits(block, model.getNDManager(), input, positions, cache);
    }

    long[] fitPrompt(long[] promptIds, GenerationConfig config) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: give at least one token");
        }
        checkIds(promptIds);
        int context = config().maxPositions();
        if (promptIds.length < context) {
            return promptIds;
        }
        if (!config.leftTruncate()) {
            throw new IllegalArgumentException("the prompt has " + promptIds.length
                    + " tokens but the model's context holds " + context
                    + " (prompt and new tokens together); shorten it or ask for left truncation");
        }
        int keep = Math.max(1, context - Math.max(1, config.maxNewTokens()));
        return Arrays.copyOfRange(promptIds, promptIds.length - keep, promptIds.length);
    }

    void checkIds(long[] ids) {
        for (long id : ids) {
            if (id < 0 || id >= config().vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary (0.." + (config().vocabSize() - 1) + ")");
            }
        }
    }

    @Override
    public synchronized void close() {
        if (scripted != null) {
            scripted.close();
        }
        if (ownsModel) {
            model.close();
        }
    }
}
