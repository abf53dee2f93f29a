package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaModel;
import io.github.tinyllama.nn.LoraAdapters;
import io.github.tinyllama.nn.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * A causal language model over token ids: weights loaded into a DJL {@link Model}, generation with
 * a KV cache, and scoring. {@link TinyLlama} adds the tokenizer for text in and out.
 *
 * <p>Prompts go through the model in one pass; each further token costs one single-token step
 * that reuses the keys and values of everything before it. Every step runs in its own
 * {@link NDScope}, so nothing allocated for a token outlives it.
 */
public final class LanguageModel implements AutoCloseable {

    private final Model model;
    private final LlamaModel block;
    private final GenerationDefaults defaults;
    private final Set<Integer> eosIds;
    private final boolean ownsModel;
    private final Path directory;

    private LanguageModel(Model model, LlamaModel block, GenerationDefaults defaults, boolean ownsModel,
            Path directory) {
        this.model = model;
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
        LlamaConfig config = LlamaConfig.load(modelDir);
        GenerationDefaults defaults = GenerationDefaults.load(modelDir);
        Model model = Model.newInstance("tinyllama", device, "PyTorch");
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            LlamaModel block = new LlamaModel(config);
            WeightLoader.load(block, checkpoint, model.getNDManager(), dataType, true, progress);
            if (adapterDir != null) {
                LoraAdapters.merge(block, adapterDir, model.getNDManager());
            }
            model.setBlock(block);
            model.setDataType(dataType);
            return new LanguageModel(model, block, defaults, true, modelDir);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Generates with a DJL model that already holds a loaded {@link LlamaModel} block (for example a
     * {@code ZooModel}); closing the result leaves that model open.
     *
     * @param model the DJL model whose block is a {@link LlamaModel}
     * @param defaults the checkpoint's generation defaults
     * @return a view that generates and scores with the model's weights
     * @throws IllegalArgumentException if the model's block is not a {@link LlamaModel}
     */
    public static LanguageModel of(Model model, GenerationDefaults defaults) {
        if (!(model.getBlock() instanceof LlamaModel)) {
            throw new IllegalArgumentException("model '" + model.getName() + "' holds a "
                    + (model.getBlock() == null ? "null block" : model.getBlock().getClass().getName())
                    + ", not a LlamaModel");
        }
        return new LanguageModel(model, (LlamaModel) model.getBlock(), defaults, false, model.getModelPath());
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
    public LlamaModel block() {
        return block;
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
     * Scores a token sequence: {@code logprobs[i] = log P(ids[i] | ids[0..i-1])} for {@code i >= 1}.
     *
     * @param ids the tokens, used as given (include BOS if the model expects it)
     * @return log-probabilities; element 0 is {@code NaN} because the first token has no context
     */
    public double[] score(long[] ids) {
        checkIds(ids);
        if (ids.length == 0 || ids.length - 1 > config().maxPositions()) {
            throw new IllegalArgumentException("cannot score " + ids.length + " tokens: give 1 to "
                    + (config().maxPositions() + 1) + " (the model reads all but the last, and its context is "
                    + config().maxPositions() + ")");
        }
        double[] out = new double[ids.length];
        out[0] = Double.NaN;
        if (ids.length == 1) {
            return out;
        }
        try (Session session = newSession(ids.length - 1)) {
            double[] scored = session.score(ids, 1).logprobs();
            System.arraycopy(scored, 0, out, 1, scored.length);
        }
        return out;
    }

    /**
     * Scores several continuations of one context, reading the context once: the context runs through
     * the model alone, its keys and values are copied to one cache row per continuation, and the
     * continuations run together, right-padded (padding after a sequence's last token cannot change it
     * under the causal mask). Continuation {@code j} gets {@code log P(c_j[i] | context, c_j[0..i-1])}
     * for each of its tokens.
     *
     * @param context the shared context, used as given (include BOS if the model expects it); at least one token
     * @param continuations the continuations, each at least one token
     * @return one {@link TokenScores} per continuation, in order
     * @throws IllegalArgumentException if a sequence is empty, holds ids outside the vocabulary, or context
     *     and the longest continuation (less its last token) exceed the model's context
     */
    public List<TokenScores> scoreContinuations(long[] context, List<long[]> continuations) {
        checkIds(context);
        int longest = 0;
        for (long[] c : continuations) {
            checkIds(c);
            if (c.length == 0) {
                throw new IllegalArgumentException("a continuation to score is empty");
            }
            longest = Math.max(longest, c.length);
        }
        int n = context.length;
        if (n == 0 || (long) n + longest - 1 > config().maxPositions()) {
            throw new IllegalArgumentException("cannot score continuations of up to " + longest + " tokens after a "
                    + n + "-token context: give a context of at least 1 token and at most "
                    + config().maxPositions() + " tokens together (the model's context)");
        }
        int k = continuations.size();
        double[][] logprobs = new double[k][];
        boolean[] greedy = new boolean[k];
        Device device = model.getNDManager().getDevice();
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager();
                KvCache single = new KvCache(config(), 1, n, device)) {
            scope.suppressNotUsedWarning();
            ParameterStore ps = new ParameterStore(step, false);
            NDArray first = block.forward(ps, step.create(context).reshape(1, n), single, true, false)
                    .logSoftmax(-1).reshape(-1);
            float[] firstLogprobs = first.toFloatArray();
            long firstBest = first.argMax().getLong();
            for (int j = 0; j < k; j++) {
                long[] c = continuations.get(j);
                logprobs[j] = new double[c.length];
                logprobs[j][0] = firstLogprobs[(int) c[0]];
                greedy[j] = c[0] == firstBest;
            }
            if (longest > 1 && k > 0) {
                int width = longest - 1;
                long[] input = new long[k * width];
                long[] targets = new long[k * width];
                for (int j = 0; j < k; j++) {
                    long[] c = continuations.get(j);
                    System.arraycopy(c, 0, input, j * width, c.length - 1);
                    System.arraycopy(c, 1, targets, j * width, c.length - 1);
                }
                try (KvCache many = single.repeat(k, n + width)) {
                    NDArray lp = block.forward(ps, step.create(input).reshape(k, width), many, false, false)
                            .logSoftmax(-1);
                    float[] picked = lp.gather(step.create(targets).reshape(k, width, 1), -1).toFloatArray();
                    long[] best = lp.argMax(-1).toLongArray();
                    for (int j = 0; j < k; j++) {
                        long[] c = continuations.get(j);
                        for (int i = 1; i < c.length; i++) {
                            logprobs[j][i] = picked[j * width + i - 1];
                            greedy[j] &= best[j * width + i - 1] == c[i];
                        }
                    }
                }
            }
        }
        List<TokenScores> out = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            out.add(new TokenScores(logprobs[j], greedy[j]));
        }
        return out;
    }

    /**
     * Scores several token sequences in one forward pass, right-padded to the longest (as
     * lm-evaluation-harness batches requests): each sequence is scored from index {@code from[i]} on,
     * every token given everything before it in its own sequence.
     *
     * @param sequences the sequences, used as given; each at least two tokens and at most the model's
     *     context plus one (the last token is only a target)
     * @param from for each sequence the index of its first scored token, 1 to {@code length - 1}
     * @return one {@link TokenScores} per sequence, in order
     * @throws IllegalArgumentException if a sequence does not fit or an index is out of range
     */
    public List<TokenScores> scoreBatch(List<long[]> sequences, int[] from) {
        if (from.length != sequences.size()) {
            throw new IllegalArgumentException(sequences.size() + " sequences but " + from.length + " start indices");
        }
        int width = 0;
        for (int j = 0; j < from.length; j++) {
            long[] s = sequences.get(j);
            checkIds(s);
            if (from[j] < 1 || from[j] > s.length - 1 || s.length - 1 > config().maxPositions()) {
                throw new IllegalArgumentException("cannot score from index " + from[j] + " of " + s.length
                        + " tokens with a context of " + config().maxPositions());
            }
            width = Math.max(width, s.length - 1);
        }
        List<TokenScores> out = new ArrayList<>(from.length);
        if (from.length == 0) {
            return out;
        }
        int b = from.length;
        // Only positions from the earliest scored one on need a log-softmax over the vocabulary.
        int first = width;
        for (int f : from) {
            first = Math.min(first, f - 1);
        }
        int kept = width - first;
        long[] input = new long[b * width];
        long[] targets = new long[b * kept];
        for (int j = 0; j < b; j++) {
            long[] s = sequences.get(j);
            System.arraycopy(s, 0, input, j * width, s.length - 1);
            System.arraycopy(s, first + 1, targets, j * kept, s.length - 1 - first);
        }
        float[] picked;
        long[] best;
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray logits = block.forward(new ParameterStore(step, false), step.create(input).reshape(b, width), null,
                    false, false);
            NDArray lp = logits.get(new NDIndex().addAllDim().addSliceDim(first, width)).logSoftmax(-1);
            picked = lp.gather(step.create(targets).reshape(b, kept, 1), -1).toFloatArray();
            best = lp.argMax(-1).toLongArray();
        }
        for (int j = 0; j < b; j++) {
            long[] s = sequences.get(j);
            double[] values = new double[s.length - from[j]];
            boolean greedy = true;
            for (int i = from[j]; i < s.length; i++) {
                values[i - from[j]] = picked[j * kept + i - 1 - first];
                greedy &= best[j * kept + i - 1 - first] == s[i];
            }
            out.add(new TokenScores(values, greedy));
        }
        return out;
    }

    float[] nextLogits(long[] input, KvCache cache) {
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray ids = step.create(input).reshape(1, input.length);
            return block.forward(new ParameterStore(step, false), ids, cache, true, false).toFloatArray();
        }
    }

    /**
     * Runs {@code input} after the cached tokens and returns, for each input position, the
     * log-probability of {@code targets[i]} and whether it is the most likely token there.
     */
    TokenScores.PerPosition scoreWithCache(long[] input, long[] targets, KvCache cache) {
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray ids = step.create(input).reshape(1, input.length);
            NDArray logProbs = block.forward(new ParameterStore(step, false), ids, cache, false, false).logSoftmax(-1);
            NDArray wanted = step.create(targets).reshape(1, targets.length, 1);
            float[] picked = logProbs.gather(wanted, -1).toFloatArray();
            long[] best = logProbs.argMax(-1).toLongArray();
            double[] values = new double[targets.length];
            boolean[] isBest = new boolean[targets.length];
            for (int i = 0; i < targets.length; i++) {
                values[i] = picked[i];
                isBest[i] = best[i] == targets[i];
            }
            return new TokenScores.PerPosition(values, isBest);
        }
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
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }
}
