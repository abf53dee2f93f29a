package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaModel;
import io.github.tinyllama.nn.WeightLoader;
import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.tokenizer.StreamingDecoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A loaded model with its tokenizer: generate text, score token sequences, close.
 *
 * <pre>{@code
 * try (TinyLlama llm = TinyLlama.load(Path.of("TinyLlama-1.1B-Chat-v1.0"))) {
 *     System.out.println(llm.generate("The capital of France is", GenerationConfig.greedy(20)).text());
 * }
 * }</pre>
 *
 * <p>Prompts are run through the model in one pass; each further token costs one single-token
 * step that reuses the keys and values of everything before it. Every step runs in its own
 * {@link NDScope}, so nothing allocated for a token outlives it.
 */
public final class TinyLlama implements AutoCloseable {

    private final Model model;
    private final LlamaModel block;
    private final LlamaTokenizer tokenizer;
    private final GenerationDefaults defaults;
    private final Set<Integer> eosIds;

    private TinyLlama(Model model, LlamaModel block, LlamaTokenizer tokenizer, GenerationDefaults defaults) {
        this.model = model;
        this.block = block;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.eosIds = new LinkedHashSet<>(block.config().eosTokenIds());
        eosIds.addAll(defaults.eosTokenIds());
    }

    /** Loads a Hugging Face model directory on the CPU with float32 weights. */
    public static TinyLlama load(Path modelDir) throws IOException {
        return builder(modelDir).load();
    }

    /** Starts configuring a load of {@code modelDir}. */
    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /** The model's architecture. */
    public LlamaConfig config() {
        return block.config();
    }

    /** The model's tokenizer. */
    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    /** The DJL block, for training, inspection or custom loops. */
    public LlamaModel block() {
        return block;
    }

    /** Generation settings shipped with the checkpoint. */
    public GenerationDefaults generationDefaults() {
        return defaults;
    }

    /** Generates a continuation of {@code prompt} (BOS added), without streaming. */
    public GenerationResult generate(String prompt, GenerationConfig config) {
        return generate(tokenizer.encode(prompt), config, text -> {});
    }

    /**
     * Generates a continuation of {@code prompt} (BOS added), passing text to {@code onText} as it is produced.
     */
    public GenerationResult generate(String prompt, GenerationConfig config, Consumer<String> onText) {
        return generate(tokenizer.encode(prompt), config, onText);
    }

    /**
     * Generates a continuation of a tokenised prompt.
     *
     * @param promptIds the prompt's token ids, used as given (no BOS is added)
     * @param config budget, sampling and stop rules
     * @param onText receives the new text in order as it becomes final; the pieces concatenate to the result's text
     * @return the new tokens and text, why generation stopped, and timings
     * @throws IllegalArgumentException if the prompt is empty, holds ids outside the vocabulary, or does not fit the
     *     context (unless {@link GenerationConfig#leftTruncate()})
     */
    public GenerationResult generate(long[] promptIds, GenerationConfig config, Consumer<String> onText) {
        long[] prompt = fitPrompt(promptIds, config);
        int capacity = (int) Math.min(config().maxPositions(), (long) prompt.length + config.maxNewTokens());
        Sampler sampler = new Sampler(config);
        boolean[] seen = new boolean[config().vocabSize()];
        for (long id : prompt) {
            seen[(int) id] = true;
        }
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        StopStrings stops = new StopStrings(config.stopStrings());
        List<Long> out = new ArrayList<>();
        FinishReason reason = FinishReason.LENGTH;
        long started = System.nanoTime();
        long prefillDone = started;
        try (KvCache cache = new KvCache(config(), 1, capacity, model.getNDManager().getDevice())) {
            long[] input = prompt;
            while (out.size() < config.maxNewTokens() && cache.length() + input.length <= capacity) {
                float[] logits = nextLogits(input, cache);
                if (out.isEmpty()) {
                    prefillDone = System.nanoTime();
                }
                int next = sampler.next(logits, seen);
                seen[next] = true;
                out.add((long) next);
                if (eosIds.contains(next)) {
                    reason = FinishReason.EOS;
                    break;
                }
                emit(onText, stops.add(decoder.push(next)));
                if (stops.stopped()) {
                    reason = FinishReason.STOP;
                    break;
                }
                input = new long[] {next};
            }
        }
        if (reason != FinishReason.STOP) {
            emit(onText, stops.add(decoder.flush()));
        }
        emit(onText, stops.flush());
        long finished = System.nanoTime();
        if (out.isEmpty()) {
            prefillDone = finished;
        }
        long[] ids = out.stream().mapToLong(Long::longValue).toArray();
        return new GenerationResult(prompt, ids, stops.text(), reason,
                (prefillDone - started) / 1e9, (finished - prefillDone) / 1e9);
    }

    /**
     * Scores a token sequence: {@code logprobs[i] = log P(ids[i] | ids[0..i-1])} for {@code i >= 1}.
     *
     * @param ids the tokens, used as given (include BOS if the model expects it)
     * @return log-probabilities; element 0 is {@code NaN} because the first token has no context
     */
    public double[] score(long[] ids) {
        checkIds(ids);
        if (ids.length > config().maxPositions()) {
            throw new IllegalArgumentException("cannot score " + ids.length + " tokens: the model's context is "
                    + config().maxPositions() + " tokens");
        }
        double[] out = new double[ids.length];
        out[0] = Double.NaN;
        if (ids.length == 1) {
            return out;
        }
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray input = step.create(ids).reshape(1, ids.length);
            NDArray logits = block.forward(parameterStore(step), input, null, false, false);
            NDArray targets = step.create(Arrays.copyOfRange(ids, 1, ids.length)).reshape(1, ids.length - 1, 1);
            float[] picked = logits.get(":, :-1, :").logSoftmax(-1).gather(targets, -1).toFloatArray();
            for (int i = 0; i < picked.length; i++) {
                out[i + 1] = picked[i];
            }
        }
        return out;
    }

    private float[] nextLogits(long[] input, KvCache cache) {
        try (NDScope scope = new NDScope(); NDManager step = model.getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray ids = step.create(input).reshape(1, input.length);
            return block.forward(parameterStore(step), ids, cache, true, false).toFloatArray();
        }
    }

    private static ParameterStore parameterStore(NDManager manager) {
        return new ParameterStore(manager, false);
    }

    private long[] fitPrompt(long[] promptIds, GenerationConfig config) {
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

    private void checkIds(long[] ids) {
        for (long id : ids) {
            if (id < 0 || id >= config().vocabSize()) {
                throw new IllegalArgumentException(
                        "token id " + id + " is outside the vocabulary (0.." + (config().vocabSize() - 1) + ")");
            }
        }
    }

    private static void emit(Consumer<String> onText, String text) {
        if (!text.isEmpty()) {
            onText.accept(text);
        }
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Configures how a model directory is loaded. */
    public static final class Builder {
        private final Path modelDir;
        private DataType dataType = DataType.FLOAT32;
        private Device device;
        private LongConsumer progress = bytes -> {};

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        /** Holds the weight matrices as {@link DataType#FLOAT32} (default) or {@link DataType#FLOAT16}. */
        public Builder dataType(DataType value) {
            dataType = value;
            return this;
        }

        /** Runs on this device; the engine's default device when unset. */
        public Builder device(Device value) {
            device = value;
            return this;
        }

        /** Receives the number of weight bytes read after each tensor. */
        public Builder progress(LongConsumer value) {
            progress = value;
            return this;
        }

        /**
         * Loads config, tokenizer and weights.
         *
         * @throws IOException if a file is missing or malformed; the message names it
         */
        public TinyLlama load() throws IOException {
            LlamaConfig config = LlamaConfig.load(modelDir);
            GenerationDefaults defaults = GenerationDefaults.load(modelDir);
            LlamaTokenizer tokenizer = LlamaTokenizer.load(modelDir);
            Model model = Model.newInstance("tinyllama", device, "PyTorch");
            try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
                LlamaModel block = new LlamaModel(config);
                WeightLoader.load(block, checkpoint, model.getNDManager(), dataType, progress);
                model.setBlock(block);
                model.setDataType(dataType);
                return new TinyLlama(model, block, tokenizer, defaults);
            } catch (IOException | RuntimeException e) {
                model.close();
                tokenizer.close();
                throw e;
            }
        }
    }
}
