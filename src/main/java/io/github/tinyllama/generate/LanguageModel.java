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
import io.github.tinyllama.config.ConfigException;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.weights.LoraAdapters;
import io.github.tinyllama.weights.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
    private final LlamaNetwork block;
    private final GenerationDefaults defaults;
    private final Set<Integer> eosIds;
    private final boolean ownsModel;
    private final Path directory;
    private final ScriptedStep.Kind scriptKind;
    private volatile ScriptedStep scripted;

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

    /** Decodes through {@code engine} from now on (call it before decoding); the Blocks refuse int8 weights. */
    public synchronized LanguageModel useEngine(DecodeEngine engine) {
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
     * Scores several continuations of one context, reading the context once; see
     * {@link #scoreContinuations(List, List)}.
     *
     * @param context the shared context, used as given (include BOS if the model expects it); at least one token
     * @param continuations the continuations, each at least one token
     * @return one {@link TokenScores} per continuation, in order
     */
    public List<TokenScores> scoreContinuations(long[] context, List<long[]> continuations) {
        return scoreContinuations(List.of(context), List.of(continuations), Integer.MAX_VALUE).get(0);
    }

    /**
     * Scores the continuations of several contexts, reading each context once, in batched passes: the
     * contexts run together, left-padded so that they all end at the same position, and their keys and values
     * are copied to one cache row per continuation; then the continuations (less their last token) run
     * together, {@code rowsPerPass} at a time, right-padded, after those rows. Padded positions are hidden from
     * every row ({@link LlamaNetwork#forward(ParameterStore, NDArray, KvCache, NDArray, boolean, boolean)}), and
     * only the real positions of the second pass go through the vocabulary projection.
     * Continuation {@code j} of context {@code q} gets {@code log P(c[i] | context_q, c[0..i-1])} for each of its
     * tokens. When the padded widths of both passes together exceed the model's context, the contexts are
     * scored in smaller groups.
     *
     * @param contexts the contexts, used as given (include BOS if the model expects it); each at least one token
     * @param continuations for each context its continuations, each at least one token
     * @param rowsPerPass the most continuations in one pass of the second kind; more run in further passes over
     *     the same context cache
     * @return for each context one {@link TokenScores} per continuation, in order
     * @throws IllegalArgumentException if a sequence is empty, holds ids outside the vocabulary, or a context and
     *     its longest continuation (less its last token) exceed the model's context
     */
    public List<List<TokenScores>> scoreContinuations(List<long[]> contexts, List<List<long[]>> continuations,
            int rowsPerPass) {
        if (rowsPerPass < 1) {
            throw new IllegalArgumentException("at least one row per pass, not " + rowsPerPass);
        }
        if (contexts.size() != continuations.size()) {
            throw new IllegalArgumentException(contexts.size() + " contexts but " + continuations.size()
                    + " lists of continuations");
        }
        for (int q = 0; q < contexts.size(); q++) {
            long[] context = contexts.get(q);
            checkIds(context);
            int longest = 0;
            for (long[] c : continuations.get(q)) {
                checkIds(c);
                if (c.length == 0) {
                    throw new IllegalArgumentException("a continuation to score is empty");
                }
                longest = Math.max(longest, c.length);
            }
            if (context.length == 0 || (long) context.length + longest - 1 > config().maxPositions()) {
                throw new IllegalArgumentException("cannot score continuations of up to " + longest
                        + " tokens after a " + context.length + "-token context: give a context of at least 1 token"
                        + " and at most " + config().maxPositions() + " tokens together (the model's context)");
            }
        }
        List<List<TokenScores>> out = new ArrayList<>(contexts.size());
        if (contexts.isEmpty()) {
            return out;
        }
        if (contexts.size() > 1 && paddedWidth(contexts, continuations) > config().maxPositions()) {
            int half = contexts.size() / 2;
            out.addAll(scoreContinuations(contexts.subList(0, half), continuations.subList(0, half), rowsPerPass));
            out.addAll(scoreContinuations(contexts.subList(half, contexts.size()),
                    continuations.subList(half, contexts.size()), rowsPerPass));
            return out;
        }
        return scorePadded(contexts, continuations, rowsPerPass);
    }

    /** Positions {@link #scorePadded} needs: the longest context plus the longest continuation less one. */
    private static long paddedWidth(List<long[]> contexts, List<List<long[]>> continuations) {
        long context = 0;
        long continuation = 0;
        for (int q = 0; q < contexts.size(); q++) {
            context = Math.max(context, contexts.get(q).length);
            for (long[] c : continuations.get(q)) {
                continuation = Math.max(continuation, c.length - 1);
            }
        }
        return context + continuation;
    }

    private List<List<TokenScores>> scorePadded(List<long[]> contexts, List<List<long[]>> continuations,
            int rowsPerPass) {
        int b = contexts.size();
        int width = 0;
        for (long[] c : contexts) {
            width = Math.max(width, c.length);
        }
        // Context q sits at the right end of row q; its first `pad[q]` positions are padding.
        int[] pad = new int[b];
        long[] contextIds = new long[b * width];
        boolean[] contextPadding = new boolean[b * width];
        boolean padded = false;
        for (int q = 0; q < b; q++) {
            long[] c = contexts.get(q);
            pad[q] = width - c.length;
            padded |= pad[q] > 0;
            System.arraycopy(c, 0, contextIds, q * width + pad[q], c.length);
            Arrays.fill(contextPadding, q * width, q * width + pad[q], true);
        }
        // One row per continuation; only those of two or more tokens need the second pass.
        List<int[]> rows = new ArrayList<>();
        for (int q = 0; q < b; q++) {
            for (int j = 0; j < continuations.get(q).size(); j++) {
                if (continuations.get(q).get(j).length > 1) {
                    rows.add(new int[] {q, j});
                }
            }
        }
        double[][][] logprobs = new double[b][][];
        boolean[][] greedy = new boolean[b][];
        Device device = model.getNDManager().getDevice();
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager();
                KvCache contextCache = new KvCache(config(), b, width, device)) {
            scope.suppressNotUsedWarning();
            ParameterStore ps = new ParameterStore(step, false);
            NDArray contextMask = padded ? step.create(contextPadding).reshape(b, width) : null;
            NDArray last = block.forward(ps, step.create(contextIds).reshape(b, width), contextCache, contextMask,
                    true, false).logSoftmax(-1).reshape(b, -1);
            float[] lastLogprobs = last.toFloatArray();
            long[] lastBest = last.argMax(-1).toLongArray();
            int vocab = config().vocabSize();
            for (int q = 0; q < b; q++) {
                List<long[]> cs = continuations.get(q);
                logprobs[q] = new double[cs.size()][];
                greedy[q] = new boolean[cs.size()];
                for (int j = 0; j < cs.size(); j++) {
                    long[] c = cs.get(j);
                    logprobs[q][j] = new double[c.length];
                    logprobs[q][j][0] = lastLogprobs[q * vocab + (int) c[0]];
                    greedy[q][j] = c[0] == lastBest[q];
                }
            }
            for (int start = 0; start < rows.size(); start += rowsPerPass) {
                List<int[]> chunk = rows.subList(start, Math.min(rows.size(), start + rowsPerPass));
                scoreRows(ps, step, chunk, continuations, contextCache, pad, padded, logprobs, greedy);
            }
        }
        List<List<TokenScores>> out = new ArrayList<>(b);
        for (int q = 0; q < b; q++) {
            List<TokenScores> scores = new ArrayList<>(logprobs[q].length);
            for (int j = 0; j < logprobs[q].length; j++) {
                scores.add(new TokenScores(logprobs[q][j], greedy[q][j]));
            }
            out.add(scores);
        }
        return out;
    }

    /**
     * The second pass of {@link #scorePadded}: continuations (less their last token) after copies of their
     * contexts' cache rows, right-padded to the longest; row {@code {q, j}} is continuation {@code j} of
     * context {@code q}.
     */
    private void scoreRows(ParameterStore ps, NDManager parent, List<int[]> rows, List<List<long[]>> continuations,
            KvCache contextCache, int[] pad, boolean padded, double[][][] logprobs, boolean[][] greedy) {
        int width = contextCache.length();
        int longest = 0;
        for (int[] row : rows) {
            longest = Math.max(longest, continuations.get(row[0]).get(row[1]).length - 1);
        }
        int r = rows.size();
        int[] source = new int[r];
        long[] input = new long[r * longest];
        boolean[] rowPadding = new boolean[r * (width + longest)];
        for (int i = 0; i < r; i++) {
            int q = rows.get(i)[0];
            long[] c = continuations.get(q).get(rows.get(i)[1]);
            source[i] = q;
            System.arraycopy(c, 0, input, i * longest, c.length - 1);
            Arrays.fill(rowPadding, i * (width + longest), i * (width + longest) + pad[q], true);
        }
        try (NDScope scope = new NDScope(); NDManager step = parent.newSubManager();
                KvCache rowCache = contextCache.select(source, width + longest)) {
            scope.suppressNotUsedWarning();
            NDArray rowMask = padded ? step.create(rowPadding).reshape(r, width + longest) : null;
            NDArray hidden = block.hiddenStates(ps, step.create(input).reshape(r, longest), rowCache, rowMask, false);
            // Only the real positions go through the vocabulary projection: rows shorter than the longest would
            // otherwise pay for their padding with full-vocabulary logits.
            int scored = 0;
            for (int[] row : rows) {
                scored += continuations.get(row[0]).get(row[1]).length - 1;
            }
            long[] positions = new long[scored];
            long[] wanted = new long[scored];
            for (int i = 0, k = 0; i < r; i++) {
                long[] c = continuations.get(rows.get(i)[0]).get(rows.get(i)[1]);
                for (int t = 1; t < c.length; t++, k++) {
                    positions[k] = (long) i * longest + t - 1;
                    wanted[k] = c[t];
                }
            }
            NDArray real = hidden.reshape(-1, hidden.getShape().get(2)).get(new NDIndex("{}", step.create(positions)));
            NDArray lp = block.logits(ps, real, false).logSoftmax(-1);
            float[] picked = lp.gather(step.create(wanted).reshape(scored, 1), -1).toFloatArray();
            long[] best = lp.argMax(-1).toLongArray();
            for (int i = 0, k = 0; i < r; i++) {
                int q = rows.get(i)[0];
                int j = rows.get(i)[1];
                long[] c = continuations.get(q).get(j);
                for (int t = 1; t < c.length; t++, k++) {
                    logprobs[q][j][t] = picked[k];
                    greedy[q][j] &= best[k] == c[t];
                }
            }
        }
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

    /** The next-token logits of the last {@code positions} positions of {@code input}, run after the cache. */
    float[][] lastLogits(long[] input, int positions, KvCache cache) {
        ScriptedStep step = scripted;
        return step != null ? step.lastLogits(input, positions, cache, model.getNDManager())
                : BlocksStep.lastLogits(block, model.getNDManager(), input, positions, cache);
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
    public synchronized void close() {
        if (scripted != null) {
            scripted.close();
        }
        if (ownsModel) {
            model.close();
        }
    }
}
