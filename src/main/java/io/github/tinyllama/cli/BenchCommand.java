package io.github.tinyllama.cli;

import com.google.gson.JsonObject;

import io.github.tinyllama.generate.Benchmark;
import io.github.tinyllama.generate.SpeculationBenchmark;
import io.github.tinyllama.weights.ComputeType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Option(names = "--speculate-prompt", paramLabel = "FILE",
            description = "Instead: compare decoding this text's continuation with and without prompt-lookup"
                    + " speculation (same run, best of --rounds each), with the acceptance rate.")
    Path speculatePrompt;

    @Mixin
    SpeculationOptions drafting;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2",
            description = "Measured pairs for --speculate-prompt. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        Usage.require(spec, promptTokens >= 1, "--prompt-tokens must be at least 1, not " + promptTokens);
        Usage.require(spec, newTokens >= 0, "--new-tokens must not be negative, not " + newTokens);
        if (speculatePrompt != null) {
            return speculation();
        }
        Path model = ModelLoading.resolve(modelOptions.model, modelOptions.revision, json);
        Benchmark.Result r = Benchmark.run(model, modelOptions.computeType, modelOptions.engine,
                modelOptions.device(), promptTokens, newTokens);
        String dtype = r.weights();
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
            o.addProperty("engine", r.engine().toString());
            o.addProperty("device", device);
            o.addProperty("bandwidth_bytes_per_second", r.bandwidthBytesPerSecond());
            o.addProperty("weight_bytes_per_token", r.weightBytesPerToken());
            o.addProperty("roofline_tokens_per_second", r.rooflineTokensPerSecond());
            o.addProperty("roofline_fraction", r.rooflineFraction());
            System.out.println(Json.write(o));
        } else {
            System.out.printf(Locale.ROOT, "load %.2f s, prefill %.1f tokens/s (%d tokens), decode %.2f tokens/s"
                    + " (%d tokens), peak RSS %.2f GB, %s on %s, %s engine%n", r.loadSeconds(),
                    r.prefillTokensPerSecond(), r.promptTokens(), r.decodeTokensPerSecond(), r.newTokens(),
                    r.peakRssBytes() / 1e9, dtype, device, r.engine());
            System.out.printf(Locale.ROOT, "memory read %.1f GB/s (measured now); %.2f GB of weights per token allow"
                    + " %.1f tokens/s; decode reached %.0f%% of that roofline%n", r.bandwidthBytesPerSecond() / 1e9,
                    r.weightBytesPerToken() / 1e9, r.rooflineTokensPerSecond(), 100 * r.rooflineFraction());
        }
        return 0;
    }

    private int speculation() throws IOException {
        String prompt = Files.readString(speculatePrompt);
        Path model = ModelLoading.resolve(modelOptions.model, modelOptions.revision, json);
        SpeculationBenchmark.Result r = SpeculationBenchmark.run(model,
                modelOptions.computeType, modelOptions.device(), prompt, newTokens,
                drafting.speculation(), rounds);
        String dtype = ComputeType.of(r.dataType()).toString();
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("plain_tokens_per_second", r.plainTokensPerSecond());
            o.addProperty("speculative_tokens_per_second", r.speculativeTokensPerSecond());
            o.addProperty("speed_up", r.speedUp());
            o.addProperty("drafted_tokens", r.draftedTokens());
            o.addProperty("accepted_tokens", r.acceptedTokens());
            o.addProperty("acceptance_rate", r.acceptanceRate());
            o.addProperty("prompt_tokens", r.promptTokens());
            o.addProperty("new_tokens", r.newTokens());
            o.addProperty("identical", r.identical());
            o.addProperty("dtype", dtype);
            System.out.println(Json.write(o));
        } else {
            System.out.printf(Locale.ROOT, "decode %.2f tokens/s plain, %.2f with speculation (x%.2f); %d of %d drafted"
                    + " tokens kept (%.0f%%); %d prompt + %d new tokens, %s, output %s%n", r.plainTokensPerSecond(),
                    r.speculativeTokensPerSecond(), r.speedUp(), r.acceptedTokens(), r.draftedTokens(),
                    100 * r.acceptanceRate(), r.promptTokens(), r.newTokens(), dtype,
                    r.identical() ? "identical" : "DIFFERENT");
        }
        return r.identical() ? 0 : 1;
    }
}
