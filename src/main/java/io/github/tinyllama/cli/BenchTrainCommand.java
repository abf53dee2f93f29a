package io.github.tinyllama.cli;

import ai.djl.Device;

import com.google.gson.JsonObject;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.train.TrainingBenchmark;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama bench-train}: training throughput and MFU. */
@Command(name = "bench-train", mixinStandardHelpOptions = true,
        description = "Measure training tokens/s and model FLOPs utilisation against a matmul peak measured in the same run.")
final class BenchTrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Model shape (default: hidden 512, 4 layers, 8 heads, 2 kv heads, vocab 8192).")
    Path config;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--micro-batch-size", paramLabel = "B", defaultValue = "8", description = "Default: ${DEFAULT-VALUE}.")
    int microBatch;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "5", description = "Measured steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        Usage.require(spec, seqLen >= 1, "--seq-len must be at least 1, not " + seqLen);
        Usage.require(spec, microBatch >= 1, "--micro-batch-size must be at least 1, not " + microBatch);
        Usage.require(spec, steps >= 1, "--steps must be at least 1, not " + steps);
        Device where = device.resolve(spec);
        LlamaConfig shape = config != null ? LlamaConfig.fromFile(config)
                : new LlamaConfig(512, 1376, 4, 8, 2, 8192, Math.max(512, seqLen), 1e-5, 10000, 1, true, 1, List.of(2));
        TrainingBenchmark.Result r = TrainingBenchmark.run(shape, seqLen, microBatch, steps, where);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("tokens_per_second", r.tokensPerSecond());
            o.addProperty("mfu", r.mfu());
            o.addProperty("peak_flops", r.peakFlops());
            o.addProperty("flops_per_token", r.flopsPerToken());
            o.addProperty("parameters", r.parameters());
            o.addProperty("device", DeviceOption.name(r.device()));
            System.out.println(Json.write(o));
        } else {
            System.out.printf(Locale.ROOT, "%,d parameters, hidden %d, on %s: %.0f tokens/s, MFU %.1f%% of a measured"
                    + " %.1f GFLOP/s matmul peak%n", r.parameters(), shape.hiddenSize(), DeviceOption.name(r.device()),
                    r.tokensPerSecond(), 100 * r.mfu(), r.peakFlops() / 1e9);
        }
        return 0;
    }
}
