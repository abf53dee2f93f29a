package io.github.tinyllama.cli;

import ai.djl.Model;
import ai.djl.training.util.ProgressBar;

import com.google.gson.JsonObject;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.ScriptedStep;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.tokenizer.SentencePieceConverter;
import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.zoo.HubClient;
import io.github.tinyllama.zoo.ModelLocator;
import io.github.tinyllama.zoo.ReleasedModel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds (or downloads) and loads a model for a command, showing progress bars on an interactive terminal. */
final class ModelLoading {

    private ModelLoading() {}

    static TinyLlama load(ModelOptions options, boolean quiet) throws IOException {
        return load(resolve(options.model, options.revision, quiet), options, quiet);
    }

    /** Whether a model directory holds a tokenizer; commands given token ids run without one. */
    static boolean hasTokenizer(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(SentencePieceConverter.TOKENIZER_JSON))
                || Files.isRegularFile(modelDir.resolve(LlamaTokenizer.TOKENIZER_MODEL));
    }

    /** The model alone, for commands given token ids and a directory without a tokenizer. */
    static LanguageModel loadWithoutTokenizer(Path modelDir, ModelOptions options) throws IOException {
        LanguageModel model = LanguageModel.load(modelDir, options.adapter(), options.computeType,
                options.device(), bytes -> {});
        try {
            return model.useEngine(options.engine);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    static TinyLlama load(Path modelDir, ModelOptions options, boolean quiet) throws IOException {
        TinyLlama.Builder builder = TinyLlama.builder(modelDir).optComputeType(options.computeType)
                .optEngine(options.engine).optDevice(options.device()).optAdapter(options.adapter());
        if (quiet || System.console() == null) {
            return builder.load();
        }
        long total;
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            total = checkpoint.totalBytes();
        }
        ProgressBar bar = new ProgressBar("Loading " + modelDir.getFileName(), total);
        return onStderr(() -> builder.optProgress(bar::increment).load(), bar);
    }

    /**
     * A model directory, or a released checkpoint's name (downloaded into the cache on first use).
     *
     * @param model what the user gave to {@code --model}
     * @param revision a branch, tag or commit of the checkpoint's repository; null for the catalogue's
     * @param quiet no progress bar
     */
    static Path resolve(String model, String revision, boolean quiet) throws IOException {
        HubClient hub = HubClient.fromEnvironment();
        if (quiet || System.console() == null) {
            return ModelLocator.locate(model, revision, hub, null);
        }
        ProgressBar bar = new ProgressBar();
        return onStderr(() -> ModelLocator.locate(model, revision, hub, bar), bar);
    }

    /** Downloads a released checkpoint by name, with a progress bar on an interactive terminal. */
    static Path download(String name, String revision) throws IOException {
        HubClient hub = HubClient.fromEnvironment();
        if (System.console() == null) {
            return ReleasedModel.download(name, revision, hub, null);
        }
        ProgressBar bar = new ProgressBar();
        return onStderr(() -> ReleasedModel.download(name, revision, hub, bar), bar);
    }

    /** Adds the compute type and the device the model runs with to a command's JSON output, as bench reports them. */
    static JsonObject withRuntime(JsonObject o, TinyLlama llm) {
        return withRuntime(o, llm.languageModel());
    }

    /** As {@link #withRuntime(JsonObject, TinyLlama)}, for a model run without a tokenizer. */
    static JsonObject withRuntime(JsonObject o, LanguageModel languageModel) {
        Model model = languageModel.model();
        boolean int8 = languageModel.scriptedStep().map(s -> s.kind() == ScriptedStep.Kind.INT8).orElse(false);
        o.addProperty("dtype", int8 ? ComputeType.INT8.toString() : ComputeType.of(model.getDataType()).toString());
        o.addProperty("device", DeviceOption.name(model.getNDManager().getDevice()));
        return o;
    }

    /** Work that may throw an I/O error. */
    interface IoWork<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} with DJL's progress bar, which draws on standard output, moved to standard error. */
    static <T> T onStderr(IoWork<T> work, ProgressBar bar) throws IOException {
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            return work.run();
        } finally {
            bar.end();
            System.setOut(stdout);
        }
    }
}
