package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.TinyLlama;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
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
    ModelOptions modelOptions;

    @Mixin
    AdapterOption adapterOption;

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
        try (TinyLlama llm = ModelLoading.load(modelOptions, adapterOption, json)) {
            long[] ids = input.ids != null ? input.ids.checked(spec, "--ids", llm.config().vocabSize()) : llm.tokenizer().encode(input.text);
            double[] logprobs = llm.score(ids);
            if (json) {
                JsonObject o = new JsonObject();
                o.add("ids", Json.ids(ids));
                o.add("logprobs", Json.numbers(logprobs));
                out.println(Json.write(o));
            } else {
                for (int i = 0; i < ids.length; i++) {
                    String lp = Double.isNaN(logprobs[i]) ? "-" : String.format(Locale.ROOT, "%.6f", logprobs[i]);
                    out.println(ids[i] + "\t" + lp + "\t" + Json.write(new com.google.gson.JsonPrimitive(
                            llm.tokenizer().tokenText(ids[i]))));
                }
            }
        }
        return 0;
    }
}
