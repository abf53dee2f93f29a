package io.github.tinyllama.zoo;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;

import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.generate.BatchGeneration;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Translators for a TinyLlama {@link Model} whose block is a {@link io.github.tinyllama.nn.LlamaNetwork}:
 * {@code String → String} (prompt to continuation), {@code GenerationRequest → GenerationResult}
 * (per-call settings, streaming, ids and timings) and {@code Conversation → String} (chat messages
 * to the assistant's reply).
 *
 * <p>The tokenizer comes from the model directory; default generation settings from the Criteria
 * arguments, then the checkpoint's {@code generation_config.json} (see {@link GenerationArguments});
 * the chat template from the argument {@code chatFormat} when the caller sets one, else the
 * checkpoint's {@code tokenizer_config.json} when its template is a known one, else the zoo's
 * catalogue ({@value #CATALOG_CHAT_FORMAT}), else none.
 */
public final class TinyLlamaTranslatorFactory implements TranslatorFactory {

    /** The artifact argument through which the zoo passes a checkpoint's chat format from its catalogue. */
    static final String CATALOG_CHAT_FORMAT = "catalogChatFormat";

    /** The most sequences of one {@code batchPredict} decoded together; more wait for a free row. */
    private static final int BATCH_ROWS = 8;

    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(
            new Pair<>(String.class, String.class),
            new Pair<>(GenerationRequest.class, GenerationResult.class),
            new Pair<>(Conversation.class, String.class));

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException("unsupported types " + input.getName() + " -> " + output.getName());
        }
        TinyLlama llm;
        GenerationConfig defaults;
        ChatTemplate template;
        try {
            Path dir = model.getModelPath();
            GenerationDefaults shipped = GenerationDefaults.load(dir);
            defaults = GenerationArguments.read(arguments, shipped);
            LlamaTokenizer tokenizer = LlamaTokenizer.load(dir);
            // The ZooModel closes only its model, so the tokenizer is handed to the model's manager.
            model.getNDManager().attachInternal(NDManager.nextUid(), tokenizer);
            llm = TinyLlama.of(LanguageModel.of(model, shipped), tokenizer);
            template = chatTemplate(arguments, dir);
        } catch (IOException e) {
            throw new TranslateException("cannot prepare the tokenizer or generation settings: " + e.getMessage(), e);
        }
        Function<?, ?> job;
        if (input == String.class) {
            job = (List<String> prompts) -> batch(llm, prompts, p -> new BatchGeneration.Job(
                    llm.tokenizer().encode(p), defaults, null), r -> r.text());
        } else if (input == GenerationRequest.class) {
            job = (List<GenerationRequest> requests) -> batch(llm, requests, r -> new BatchGeneration.Job(
                    llm.tokenizer().encode(r.prompt()), r.config() != null ? r.config() : defaults, r.onText()),
                    r -> r);
        } else {
            GenerationConfig chat = defaults.withMoreStopStrings(template.stopStrings());
            job = (List<Conversation> conversations) -> batch(llm, conversations, c -> new BatchGeneration.Job(
                    llm.tokenizer().encode(template.render(c.messages(), true)), chat, null), r -> r.text().strip());
        }
        return new GenerationTranslator<>((Function<List<I>, List<O>>) job);
    }

    /** Inputs of one predictor call, decoded together (up to {@value #BATCH_ROWS} at once). */
    private static <I, O> List<O> batch(TinyLlama llm, List<I> inputs, Function<I, BatchGeneration.Job> toJob,
            Function<GenerationResult, O> toOutput) {
        List<BatchGeneration.Job> jobs = new ArrayList<>();
        inputs.forEach(i -> jobs.add(toJob.apply(i)));
        List<O> out = new ArrayList<>();
        BatchGeneration.run(llm, jobs, BATCH_ROWS, (i, r) -> {}).forEach(r -> out.add(toOutput.apply(r)));
        return out;
    }

    private static ChatTemplate chatTemplate(Map<String, ?> arguments, Path dir) throws IOException {
        Object chosen = arguments.get("chatFormat");
        if (chosen != null) {
            return ChatTemplate.named(chosen.toString());
        }
        Object catalogued = arguments.get(CATALOG_CHAT_FORMAT);
        ChatTemplate fallback = catalogued != null ? ChatTemplate.named(catalogued.toString()) : ChatTemplate.NONE;
        return ChatTemplate.detect(dir).orElse(fallback);
    }
}
