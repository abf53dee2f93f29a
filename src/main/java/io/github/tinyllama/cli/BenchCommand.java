package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.Benchmark;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama bench}: load time, prefill and decode speed, peak memory. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure load time, prefill and decode speed and peak memory on random prompt tokens.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--new-tokens", paramLabel = "N", defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int newTokens;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Usage.require(spec, promptTokens >= 1, "--prompt-tokens must be at least 1, not " + promptTokens);
        Usage.require(spec, newTokens >= 0, "--new-tokens must not be negative, not " + newTokens);
        Benchmark.Result r = Benchmark.run(ModelLoading.resolve(modelOptions.model, json), modelOptions.dtype.dataType, null, promptTokens,
                newTokens);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("load_seconds", r.loadSeconds());
            o.addProperty("prefill_tokens_per_second", r.prefillTokensPerSecond());
            o.addProperty("decode_tokens_per_second", r.decodeTokensPerSecond());
            o.addProperty("peak_rss_bytes", r.peakRssBytes());
            o.addProperty("prompt_tokens", r.promptTokens());
            o.addProperty("new_tokens", r.newTokens());
            o.addProperty("dtype", modelOptions.dtype.name());
            System.out.println(Json.write(o));
        } else {
            System.out.printf(Locale.ROOT, "load %.2f s, prefill %.1f tokens/s (%d tokens), decode %.2f tokens/s"
                    + " (%d tokens), peak RSS %.2f GB, %s%n", r.loadSeconds(), r.prefillTokensPerSecond(),
                    r.promptTokens(), r.decodeTokensPerSecond(), r.newTokens(), r.peakRssBytes() / 1e9, modelOptions.dtype);
        }
        return 0;
    }
}
