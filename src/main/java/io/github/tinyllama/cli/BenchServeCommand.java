package io.github.tinyllama.cli;

import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.serve.OpenAiServer;
import io.github.tinyllama.serve.ServeBenchmark;
import io.github.tinyllama.train.Flops;
import io.github.tinyllama.weights.ComputeType;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tinyllama bench-serve}: the server under 1, 2, 4 and 8 concurrent streaming clients, against the
 * machine's measured matrix-multiply peak.
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Serve a model on loopback and measure aggregate decode tokens/s, time to first token and"
                + " per-token latency with concurrent streaming clients, beside the GEMM peak measured in the same run"
                + " and the compute roofline it gives (peak / 2 FLOPs per parameter per token).")
final class BenchServeCommand implements Callable<Integer> {

    /** Rows of the product that measures the step's own kernel: enough for its peak, as in a long prefill. */
    private static final int PEAK_ROWS = 256;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--clients", paramLabel = "N,N,...", split = ",", defaultValue = "1,2,4,8",
            description = "Concurrent streams per round. Default: ${DEFAULT-VALUE}.")
    List<Integer> clients;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64",
            description = "Tokens per stream; enough that every stream decodes together for a while. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    @Option(names = "--prompt-words", paramLabel = "N", defaultValue = "24", description = "Words in each prompt. Default: ${DEFAULT-VALUE}.")
    int promptWords;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int widest = clients.stream().mapToInt(Integer::intValue).max().orElse(1);
        if (clients.stream().anyMatch(c -> c < 1) || maxTokens < 1 || promptWords < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--clients, --max-tokens and --prompt-words must be at least 1");
        }
        String prompt = String.join(" ", java.util.Collections.nCopies(promptWords, "word"));
        try (TinyLlama llm = ModelLoading.load(modelOptions, true);
                OpenAiServer server = OpenAiServer.builder(llm).optPort(0).optMaxBatch(widest).optMaxQueue(widest).start()) {
            long cpu = cpuNanos();
            double peakBefore = Flops.measurePeak(llm.languageModel().model().getNDManager().getDevice(), 1024);
            // measurePeak runs six 1024-cube products (one warm-up, five timed); per CPU-second, contention
            // from other processes on a shared machine drops out of the comparison below.
            double gemmFlopsPerCpuSecond = 6 * 2.0 * Math.pow(1024, 3) / ((cpuNanos() - cpu) / 1e9);
            double stepPeakBefore = stepProductPeak(llm);
            int promptTokens = llm.tokenizer().encode(prompt).length;
            URI base = URI.create("http://127.0.0.1:" + server.port());
            ServeBenchmark.run(base, null, 1, prompt, 4); // warm-up
            JsonArray rounds = new JsonArray();
            double single = 0;
            double best = 0;
            long parameters = llm.config().parameterCount();
            // int8 copies live in the scripted step; the network beside them keeps its 16-bit matrices.
            String dtype = (modelOptions.computeType == ComputeType.INT8 ? ComputeType.INT8
                    : ComputeType.of(llm.languageModel().model().getDataType())).toString();
            double peak = peakBefore;
            StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                    "%-8s %12s %12s %10s %10s %12s %12s %14s%n", "clients", "decode tok/s", "overall tok/s",
                    "TTFT p50", "TTFT p95", "token p50", "token p95", "FLOP/CPU-s"));
            for (int c : clients) {
                long before = cpuNanos();
                ServeBenchmark.Round r = ServeBenchmark.run(base, null, c, prompt, maxTokens);
                double roundFlops = 2.0 * parameters * (r.tokens() + (double) promptTokens * c);
                double perCpu = roundFlops / ((cpuNanos() - before) / 1e9) / gemmFlopsPerCpuSecond;
                if (c == 1) {
                    single = r.decodeTokensPerSecond();
                }
                table.append(String.format(Locale.ROOT, "%-8d %12.2f %13.2f %9.2fs %9.2fs %11.3fs %11.3fs %13.0f%%%n",
                        c, r.decodeTokensPerSecond(), r.overallTokensPerSecond(), r.ttftP50(), r.ttftP95(), r.tokenP50(), r.tokenP95(), 100 * perCpu));
                JsonObject round = toJson(r);
                round.addProperty("model_flops_per_cpu_second_over_gemm", perCpu);
                rounds.add(round);
                if (c == widest) {
                    best = r.decodeTokensPerSecond();
                }
            }
            peak = Math.max(peakBefore, Flops.measurePeak(llm.languageModel().model().getNDManager().getDevice(),
                    1024));
            double roofline = peak / (2.0 * parameters);
            double stepPeak = Math.max(stepPeakBefore, stepProductPeak(llm));
            String stepKind = llm.languageModel().scriptedStep().map(st -> st.kind().toString().toLowerCase(Locale.ROOT))
                    .orElse("");
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("parameters", parameters);
                o.addProperty("dtype", dtype);
                o.addProperty("gemm_peak_flops", peak);
                o.addProperty("compute_roofline_tokens_per_second", roofline);
                o.add("rounds", rounds);
                o.addProperty("widest_over_roofline", best / roofline);
                if (single > 0) {
                    o.addProperty("widest_over_single", best / single);
                }
                if (!Double.isNaN(stepPeak)) {
                    o.addProperty("step_product_kind", stepKind);
                    o.addProperty("step_product_peak_flops", stepPeak);
                    o.addProperty("widest_over_step_product_roofline", best / (stepPeak / (2.0 * parameters)));
                }
                System.out.println(Json.write(o));
            } else {
                System.out.print(table);
                System.out.println("(decode: tokens while all streams decode together, per second; overall: all tokens"
                        + " over the round, prefills included; FLOP/CPU-s: the model's FLOPs per CPU-second of this"
                        + " process over the GEMM's, prefill included; other processes' load drops out)");
                System.out.printf(Locale.ROOT, "%,d parameters (%s weights); GEMM peak %.1f GFLOP/s (best of before"
                        + " and after: %.1f, %.1f), compute roofline %.1f tokens/s%n", parameters, dtype,
                        peak / 1e9, peakBefore / 1e9, peak / 1e9, roofline);
                System.out.printf(Locale.ROOT, "%d streams: %.2f tokens/s = %.0f%% of the roofline, %.2fx one stream%n",
                        widest, best, 100 * best / roofline, single > 0 ? best / single : Double.NaN);
                if (!Double.isNaN(stepPeak)) {
                    System.out.printf(Locale.ROOT, "the step's own %s product at %d rows: %.1f GFLOP/s, roofline %.1f"
                            + " tokens/s; %d streams reach %.0f%% of it%n", stepKind, PEAK_ROWS, stepPeak / 1e9,
                            stepPeak / (2.0 * parameters), widest, 100 * best / (stepPeak / (2.0 * parameters)));
                }
            }
        }
        return 0;
    }

    /**
     * The FLOP/s of the scripted step's own matrix product (float16 packed, int8 ...) at many rows, which is the
     * ceiling of the arithmetic the batched steps actually run; NaN when the model decodes with the Blocks.
     */
    private static double stepProductPeak(TinyLlama llm) {
        return llm.languageModel().scriptedStep()
                .map(step -> step.productPeak(PEAK_ROWS, llm.languageModel().model().getNDManager()))
                .orElse(Double.NaN);
    }

    /** CPU time this process has used, all threads. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static JsonObject toJson(ServeBenchmark.Round r) {
        JsonObject o = new JsonObject();
        o.addProperty("clients", r.clients());
        o.addProperty("tokens", r.tokens());
        o.addProperty("decode_tokens_per_second", r.decodeTokensPerSecond());
        o.addProperty("overall_tokens_per_second", r.overallTokensPerSecond());
        o.addProperty("ttft_p50_seconds", r.ttftP50());
        o.addProperty("ttft_p95_seconds", r.ttftP95());
        o.addProperty("token_latency_p50_seconds", r.tokenP50());
        o.addProperty("token_latency_p95_seconds", r.tokenP95());
        return o;
    }
}
