package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatTemplate;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama generate}: continue a prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a continuation of a prompt.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    AdaptedModelOptions modelOptions;

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Parameters(arity = "1", paramLabel = "PROMPT", description = "Prompt text (BOS is added); same as --prompt.")
        String positional;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (BOS is added).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", converter = Ids.Converter.class,
                description = "Prompt as comma-separated token ids, used as given.")
        Ids ids;

        @Option(names = "--input", paramLabel = "FILE",
                description = "JSON lines, one prompt each ('prompt', 'messages' or 'prompt_ids', optional 'id' and"
                        + " settings such as max_new_tokens, temperature, seed, stop), decoded in batches; needs --output.")
        Path input;
    }

    @Option(names = "--output", paramLabel = "FILE",
            description = "With --input: one --json object per line, in input order; a rerun skips lines already there.")
    Path output;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
            description = "With --input: most prompts decoded together. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--left-truncate", description = "Drop the start of a prompt that does not fit the context.")
    boolean leftTruncate;

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        GenerationConfig config = sampling.config(leftTruncate);
        if (prompt.input != null) {
            return batch(config);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path modelDir = ModelLoading.resolve(modelOptions.model, modelOptions.revision, json);
        if (prompt.ids != null && !ModelLoading.hasTokenizer(modelDir)) {
            if (!config.stopStrings().isEmpty()) {
                throw new IllegalArgumentException("--stop needs a tokenizer, and " + modelDir + " has none");
            }
            try (LanguageModel model = ModelLoading.loadWithoutTokenizer(modelDir, modelOptions)) {
                GenerationResult r = model.generate(prompt.ids.checked(spec, "--prompt-ids", model.config().vocabSize()), config,
                        id -> true);
                out.println(json ? Json.write(toJson(r)) : Ids.format(r.ids()));
            }
            return 0;
        }
        try (TinyLlama llm = ModelLoading.load(modelDir, modelOptions, json)) {
            long[] promptIds = prompt.ids != null ? prompt.ids.checked(spec, "--prompt-ids", llm.config().vocabSize())
                    : llm.tokenizer().encode(prompt.text != null ? prompt.text : prompt.positional);
            int context = llm.config().maxPositions();
            if ((long) Math.min(promptIds.length, context - 1) + config.maxNewTokens() > context) {
                // Nothing is allocated for the requested length: generation simply ends when the context is full.
                System.err.println("tinyllama generate: note: --max-new-tokens " + config.maxNewTokens()
                        + " is more than the model's context of " + context + " tokens leaves after the "
                        + promptIds.length + "-token prompt; generating until the context is full");
            }
            GenerationResult r = llm.generate(promptIds, config, json ? text -> {} : text -> {
                out.print(text);
                out.flush();
            });
            if (json) {
                JsonObject o = ModelLoading.withRuntime(toJson(r), llm);
                // Only generate says which engine decoded: scoring always runs the Blocks.
                o.addProperty("engine", llm.languageModel().scriptedStep().isPresent() ? "script" : "blocks");
                out.println(Json.write(o));
            } else {
                out.println();
            }
        }
        return 0;
    }

    private int batch(GenerationConfig config) throws Exception {
        if (output == null || batchSize < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--input needs --output FILE, and --batch-size at least 1");
        }
        try (TinyLlama llm = ModelLoading.load(modelOptions, false)) {
            ChatTemplate template = ChatTemplate.detect(llm.languageModel().directory()).orElse(ChatTemplate.NONE);
            return JsonlGeneration.run(llm, prompt.input, output, batchSize, config, template);
        }
    }

    static JsonObject toJson(GenerationResult r) {
        JsonObject o = new JsonObject();
        o.add("prompt_ids", Json.ids(r.promptIds()));
        o.add("ids", Json.ids(r.ids()));
        o.addProperty("text", r.text());
        o.addProperty("finish_reason", r.finishReason().jsonName());
        o.addProperty("prompt_tokens", r.promptTokens());
        o.addProperty("generated_tokens", r.generatedTokens());
        o.addProperty("prefill_seconds", r.prefillSeconds());
        o.addProperty("decode_seconds", r.decodeSeconds());
        o.addProperty("decode_tokens_per_second", r.decodeTokensPerSecond());
        o.addProperty("drafted_tokens", r.draftedTokens());
        o.addProperty("accepted_tokens", r.acceptedTokens());
        return o;
    }
}
