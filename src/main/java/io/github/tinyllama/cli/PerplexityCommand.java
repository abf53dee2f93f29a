package io.github.tinyllama.cli;

import ai.djl.training.dataset.Dataset;
import ai.djl.training.util.ProgressBar;

import com.google.gson.JsonObject;

import io.github.tinyllama.data.LanguageModelingSets;
import io.github.tinyllama.eval.Perplexity;
import io.github.tinyllama.generate.TinyLlama;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama perplexity}: a model's perplexity on WikiText-2, Penn Treebank or a text file. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of a text (WikiText-2 or Penn Treebank through DJL basicdataset, or a file) by "
                + "Hugging Face's sliding-window method: the text encoded once with BOS, every token after the "
                + "first scored once, with the context inside its window.")
final class PerplexityCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    AdaptedModelOptions modelOptions;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--dataset", paramLabel = "NAME",
                description = "wikitext2 or ptb, from DJL's dataset repository into DJL's cache.")
        String dataset;

        @Option(names = "--file", paramLabel = "TEXT", description = "A UTF-8 text file, scored as it is.")
        Path file;
    }

    @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test",
            description = "With --dataset: test, validation or train. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--window", paramLabel = "N", defaultValue = "0",
            description = "Tokens per window. Default: the model's context.")
    int window;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "0",
            description = "Tokens between window starts, less than the window. Default: half the window.")
    int stride;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "1",
            description = "Windows per forward pass (same result, more memory). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--json", description = "Print {\"tokens\", \"nll\", \"perplexity\", \"bits_per_byte\", \"window\","
            + " \"stride\", \"seconds\"}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Perplexity.Builder builder = Perplexity.builder();
        try {
            if (window != 0) {
                builder.optWindow(window);
            }
            if (stride != 0) {
                builder.optStride(stride);
            }
            builder.optBatchSize(batchSize);
            if (window != 0 && stride >= window) {
                throw new IllegalArgumentException("--stride must be less than --window, so that each window's"
                        + " first new token has context; got " + stride + " and " + window);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        // The text first: a missing file or data set is reported before the model loads.
        String text = source.file != null ? readFile(source.file) : readDataset();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Perplexity.Result result;
        try (TinyLlama llm = ModelLoading.load(modelOptions, json)) {
            ProgressBar bar = new ProgressBar();
            result = ModelLoading.onStderr(() -> builder.optProgress(bar).build().evaluate(llm, text), bar);
        }
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("tokens", result.tokens());
            o.addProperty("nll", result.nll());
            o.addProperty("perplexity", result.perplexity());
            o.addProperty("bits_per_byte", result.bitsPerByte());
            o.addProperty("window", result.window());
            o.addProperty("stride", result.stride());
            o.addProperty("seconds", result.seconds());
            out.println(Json.write(o));
        } else {
            out.printf(Locale.ROOT, "perplexity %.3f (nll %.4f nats/token, %.4f bits/byte) over %d tokens;"
                    + " window %d, stride %d; %.1f s, %.1f tokens/s%n", result.perplexity(), result.nll(),
                    result.bitsPerByte(), result.tokens(), result.window(), result.stride(), result.seconds(),
                    result.tokensPerSecond());
        }
        return 0;
    }

    private static String readFile(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new IOException("no such file: " + file, e);
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text", e);
        }
    }

    private String readDataset() throws IOException {
        LanguageModelingSets set;
        Dataset.Usage usage;
        try {
            set = LanguageModelingSets.byId(source.dataset);
            usage = usage(split);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ProgressBar bar = new ProgressBar();
        return ModelLoading.onStderr(() -> set.text(usage, bar), bar);
    }

    private static Dataset.Usage usage(String split) {
        switch (split.toLowerCase(Locale.ROOT)) {
            case "test":
                return Dataset.Usage.TEST;
            case "validation":
            case "valid":
                return Dataset.Usage.VALIDATION;
            case "train":
                return Dataset.Usage.TRAIN;
            default:
                throw new IllegalArgumentException("unknown --split '" + split + "': give test, validation or train");
        }
    }
}
