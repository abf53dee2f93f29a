package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tinyllama generate}: continue a prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a continuation of a prompt.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR|NAME",
            description = "Hugging Face model directory, or a released checkpoint's name (downloaded once).")
    String model;

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (BOS is added).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", converter = Ids.Converter.class,
                description = "Prompt as comma-separated token ids, used as given.")
        Ids ids;
    }

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "0 (default) decodes greedily; above 0 samples.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling threshold (1 = off).")
    double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1", description = "HF-style penalty (1 = off).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Sampling seed; the same seed gives the same output.")
    long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop before this text (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--left-truncate", description = "Drop the start of a prompt that does not fit the context.")
    boolean leftTruncate;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32",
            description = "Weight type: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    Dtype dtype;

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        GenerationConfig config = GenerationConfig.builder()
                .maxNewTokens(maxNewTokens)
                .temperature(temperature)
                .topK(topK)
                .topP(topP)
                .repetitionPenalty(repetitionPenalty)
                .seed(seed)
                .stopStrings(stop)
                .leftTruncate(leftTruncate)
                .build();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (TinyLlama llm = ModelLoading.load(model, dtype, json)) {
            long[] promptIds = prompt.ids != null ? prompt.ids.values() : llm.tokenizer().encode(prompt.text);
            GenerationResult r = llm.generate(promptIds, config, json ? text -> {} : text -> {
                out.print(text);
                out.flush();
            });
            if (json) {
                out.println(Json.write(toJson(r)));
            } else {
                out.println();
            }
        }
        return 0;
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
        return o;
    }
}
