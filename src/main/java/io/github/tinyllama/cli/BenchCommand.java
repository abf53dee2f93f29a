package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.Benchmark;
import io.github.tinyllama.weights.ComputeType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama bench}: load time, prefill and decode speed, peak memory. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure load time, prefill and decode speed and peak memory on random prompt tokens.")
final class BenchCommand implements Callable<Integer> {

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
        Benchmark.Result r = Benchmark.run(ModelLoading.resolve(modelOptions.model, json), modelOptions.computeType,
                DeviceOption.resolve(modelOptions.device), promptTokens, newTokens);
        String dtype = ComputeType.of(r.dataType()).toString();
        String device = DeviceOption.name(r.device());
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("load_seconds", r.loadSeconds());
            o.addProperty("prefill_tokens_per_second", r.prefillTokensPerSecond());
            o.addProperty("decode_tokens_per_second", r.decodeTokensPerSecond());
            o.addProperty("peak_rss_bytes", r.peakRssBytes());
            o.addProperty("prompt_tokens", r.promptTokens());
            o.addProperty("new_tokens", r.newTokens());
            o.addProperty("dtype", dtype);
            o.addProperty("device", device);
            System.out.println(Json.write(o));
        } else {
            System.out.printf(Locale.ROOT, "load %.2f s, prefill %.1f tokens/s (%d tokens), decode %.2f tokens/s"
                    + " (%d tokens), peak RSS %.2f GB, %s on %s%n", r.loadSeconds(), r.prefillTokensPerSecond(),
                    r.promptTokens(), r.decodeTokensPerSecond(), r.newTokens(), r.peakRssBytes() / 1e9, dtype, device);
        }
        return 0;
    }
}
