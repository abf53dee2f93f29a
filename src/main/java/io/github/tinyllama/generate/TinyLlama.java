package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.weights.ComputeType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A loaded model with its tokenizer: generate text, score, close.
 *
 * <pre>{@code
 * try (TinyLlama llm = TinyLlama.load(Path.of("TinyLlama-1.1B-Chat-v1.0"))) {
 *     System.out.println(llm.generate("The capital of France is", GenerationConfig.greedy(20)).text());
 * }
 * }</pre>
 */
public final class TinyLlama implements AutoCloseable {

    private final LanguageModel model;
    private final LlamaTokenizer tokenizer;

    private TinyLlama(LanguageModel model, LlamaTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Loads a Hugging Face model directory on the engine's default device with float32 weights. */
    public static TinyLlama load(Path modelDir) throws IOException {
        return builder(modelDir).load();
    }

    /** Starts configuring a load of {@code modelDir}. */
    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /**
     * Pairs a model over ids with a tokenizer; closing the result closes both (a model made with
     * {@link LanguageModel#of} leaves its DJL model open).
     *
     * @param model the model
     * @param tokenizer its tokenizer
     * @return the text-level model
     */
    public static TinyLlama of(LanguageModel model, LlamaTokenizer tokenizer) {
        return new TinyLlama(model, tokenizer);
    }

    /**
     * The text-level API over a DJL model that already holds a loaded {@link io.github.tinyllama.nn.LlamaNetwork}
     * block, such as a {@code ZooModel} from {@code Criteria}, so one set of weights serves a predictor,
     * streaming and chat. The tokenizer and generation defaults come from the model's directory.
     * Closing the result closes its tokenizer and leaves the model open.
     *
     * @param model the loaded model
     * @return the text-level model
     * @throws IOException if the tokenizer or generation defaults cannot be read; the message names the file
     * @throws IllegalArgumentException if the model's block is not a {@code LlamaNetwork}
     */
    public static TinyLlama of(Model model) throws IOException {
        Path dir = model.getModelPath();
        LanguageModel languageModel = LanguageModel.of(model, GenerationDefaults.load(dir));
        return new TinyLlama(languageModel, LlamaTokenizer.load(dir));
    }

    /** The model's architecture. */
    public LlamaConfig config() {
        return model.config();
    }

    /** The model over token ids. */
    public LanguageModel languageModel() {
        return model;
    }

    /** The model's tokenizer. */
    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    /** Generates a continuation of {@code prompt} (BOS added), without streaming. */
    public GenerationResult generate(String prompt, GenerationConfig config) {
        return generate(tokenizer.encode(prompt), config, text -> {});
    }

    /** Generates a continuation of {@code prompt} (BOS added), passing text to {@code onText} as it is produced. */
    public GenerationResult generate(String prompt, GenerationConfig config, Consumer<String> onText) {
        return generate(tokenizer.encode(prompt), config, onText);
    }

    /**
     * Generates a continuation of a tokenised prompt.
     *
     * @param promptIds the prompt's token ids, used as given (no BOS is added)
     * @param config budget, sampling and stop rules
     * @param onText receives new text in order as it becomes final; the pieces concatenate to the result's text,
     *     which ends before the first stop string and never holds half a character
     * @return the new tokens and text, why generation stopped, and timings
     */
    public GenerationResult generate(long[] promptIds, GenerationConfig config, Consumer<String> onText) {
        return decodeText(config, onText, sink -> model.generate(promptIds, config, sink));
    }

    /**
     * Like {@link #generate(long[], GenerationConfig, Consumer)}, in a session that keeps its KV cache
     * between calls (see {@link Session}).
     *
     * @param session a session of this model ({@link LanguageModel#newSession})
     * @param promptIds the whole sequence so far
     * @param config budget, sampling and stop rules
     * @param onText receives new text as it becomes final
     * @return the new tokens and text
     */
    public GenerationResult generate(Session session, long[] promptIds, GenerationConfig config,
            Consumer<String> onText) {
        return decodeText(config, onText, sink -> session.generate(promptIds, config, sink));
    }

    /** Turns the ids a generation produces into streamed text, ending it at the first stop string. */
    private GenerationResult decodeText(GenerationConfig config, Consumer<String> onText,
            Function<TokenSink, GenerationResult> generation) {
        TokenText text = new TokenText(tokenizer, config.stopStrings());
        GenerationResult result = generation.apply(id -> {
            emit(onText, text.push(id));
            return !text.stopped();
        });
        emit(onText, text.finish());
        return result.withText(text.text());
    }

    /**
     * Generates continuations of several prompts (BOS added to each) decoded together, up to {@code batchSize}
     * in one pass per step (see {@link BatchGeneration}); greedy outputs are those of {@link #generate} alone.
     *
     * @param prompts the prompts
     * @param config budget, sampling and stop rules for every prompt
     * @param batchSize the most prompts decoded together
     * @return the results, in the prompts' order
     */
    public List<GenerationResult> generateBatch(List<String> prompts, GenerationConfig config, int batchSize) {
        List<BatchGeneration.Job> jobs = new ArrayList<>();
        for (String prompt : prompts) {
            jobs.add(new BatchGeneration.Job(tokenizer.encode(prompt), config, null));
        }
        return BatchGeneration.run(this, jobs, batchSize, (i, r) -> {});
    }

    /**
     * Generates a continuation of {@code prompt} (BOS added) as an iterator of text pieces, produced
     * on a worker thread while the caller reads; close it to stop early.
     *
     * @param prompt the prompt
     * @param config budget, sampling and stop rules
     * @return the pieces; {@link TextStream#result()} gives the whole result after the last piece
     */
    public TextStream stream(String prompt, GenerationConfig config) {
        long[] ids = tokenizer.encode(prompt);
        return new TextStream(onText -> generate(ids, config, onText));
    }

    /**
     * Scores token ids: {@code logprobs[i] = log P(ids[i] | ids[0..i-1])}, element 0 {@code NaN}.
     *
     * @param ids the tokens, used as given
     * @return the log-probabilities
     */
    public double[] score(long[] ids) {
        return model.scorer().score(ids);
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
        private ComputeType computeType = ComputeType.FLOAT32;
        private Device device;
        private Path adapterDir;
        private LongConsumer progress = bytes -> {};
        private DecodeEngine engine = DecodeEngine.SCRIPT;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        /** Holds the weight matrices as {@link DataType#FLOAT32} (default) or {@link DataType#FLOAT16}. */
        public Builder optDataType(DataType value) {
            computeType = ComputeType.of(value);
            return this;
        }

        /**
         * Holds the weight matrices in this compute type: {@link ComputeType#FLOAT32} (default),
         * {@link ComputeType#FLOAT16}, or {@link ComputeType#AUTO} (float16 when the checkpoint is stored in 16 bits
         * and its values fit, else float32).
         */
        public Builder optComputeType(ComputeType value) {
            computeType = value;
            return this;
        }

        /**
         * Merges this PEFT LoRA adapter directory into the weights at load time (decoding then runs at
         * the base model's speed); none when unset.
         */
        public Builder optAdapter(Path value) {
            adapterDir = value;
            return this;
        }

        /** Decodes through this engine; {@link DecodeEngine#SCRIPT}, the faster, when unset. */
        public Builder optEngine(DecodeEngine value) {
            engine = value;
            return this;
        }

        /** Runs on this device; the engine's default device when unset. */
        public Builder optDevice(Device value) {
            device = value;
            return this;
        }

        /** Receives the number of weight bytes read after each tensor. */
        public Builder optProgress(LongConsumer value) {
            progress = value;
            return this;
        }

        /**
         * Loads tokenizer, config and weights.
         *
         * @throws IOException if a file is missing or malformed; the message names it
         */
        public TinyLlama load() throws IOException {
            LlamaTokenizer tokenizer = LlamaTokenizer.load(modelDir);
            LanguageModel model = null;
            try {
                model = LanguageModel.load(modelDir, adapterDir, computeType, device, progress);
                return new TinyLlama(model.useEngine(engine), tokenizer);
            } catch (IOException | RuntimeException e) {
                if (model != null) {
                    model.close();
                }
                tokenizer.close();
                throw e;
            }
        }
    }
}
