package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama score}: per-token log-probabilities of a text. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Print log P(token | everything before it) for each token of a text.")
final class ScoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    AdaptedModelOptions modelOptions;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "Text to score (BOS is added).")
        String text;

        @Option(names = "--ids", paramLabel = "IDS", converter = Ids.Converter.class, description = "Comma-separated token ids, used as given.")
        Ids ids;
    }

    @Option(names = "--json", description = "Print {\"ids\": [...], \"logprobs\": [...]} (logprobs[0] is null).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path modelDir = ModelLoading.resolve(modelOptions.model, modelOptions.revision, json);
        if (input.ids != null && !ModelLoading.hasTokenizer(modelDir)) {
            try (LanguageModel model = ModelLoading.loadWithoutTokenizer(modelDir, modelOptions)) {
                long[] ids = input.ids.checked(spec, "--ids", model.config().vocabSize());
                print(out, ids, model.scorer().score(ids), model, null);
            }
            return 0;
        }
        try (TinyLlama llm = ModelLoading.load(modelDir, modelOptions, json)) {
            long[] ids = input.ids != null ? input.ids.checked(spec, "--ids", llm.config().vocabSize())
                    : llm.tokenizer().encode(input.text);
            print(out, ids, llm.score(ids), llm.languageModel(), llm.tokenizer());
        }
        return 0;
    }

    /** Prints the scores; without a tokenizer the text column is left out. */
    private void print(PrintStream out, long[] ids, double[] logprobs, LanguageModel model, LlamaTokenizer tokenizer) {
        if (json) {
            JsonObject o = new JsonObject();
            o.add("ids", Json.ids(ids));
            o.add("logprobs", Json.numbers(logprobs));
            out.println(Json.write(ModelLoading.withRuntime(o, model)));
            return;
        }
        for (int i = 0; i < ids.length; i++) {
            String lp = Double.isNaN(logprobs[i]) ? "-" : String.format(Locale.ROOT, "%.6f", logprobs[i]);
            out.println(ids[i] + "\t" + lp + (tokenizer == null ? ""
                    : "\t" + Json.write(new com.google.gson.JsonPrimitive(tokenizer.tokenText(ids[i])))));
        }
    }
}
