package io.github.tinyllama.cli;

import io.github.tinyllama.generate.Benchmark;
import io.github.tinyllama.generate.MemoryBandwidth;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.serve.OpenAiServer;
import io.github.tinyllama.serve.ServeBenchmark;
import io.github.tinyllama.train.Flops;
import io.github.tinyllama.weights.ComputeType;

import ai.djl.Device;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tinyllama bench-serve}: the server under 1, 2, 4 and 8 concurrent streaming clients, against the
 * machine's ceilings measured in the same run.
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Serve a model on loopback and measure aggregate decode tokens/s, time to first token and"
                + " per-token latency with concurrent streaming clients, beside the ceilings measured in the same run:"
                + " the GEMM peak and the compute roofline it gives (peak / 2 FLOPs per parameter per token), the"
                + " peak of the decode step's own product, and the memory bandwidth that bounds one stream.")
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

    /**
     * What the machine allows, measured before and after the rounds (the higher of each kept: the first
     * measurement, right after loading, often runs low).
     *
     * @param gemmFlops float32 GEMM peak, FLOP/s (a 1024-cube product)
     * @param stepFlops the scripted step's own product at {@link #PEAK_ROWS} rows, FLOP/s; NaN with the Blocks
     * @param stepKind how the scripted step holds its matrices ({@code float16_packed}, {@code int8} ...)
     * @param bandwidth streaming-read bandwidth, bytes/s
     */
    private record Ceilings(double gemmFlops, double stepFlops, String stepKind, double bandwidth) {

        /** The other ceilings beside {@code gemmFlops}, which the caller has just measured. */
        static Ceilings measure(TinyLlama llm, double gemmFlops) {
            Device device = llm.languageModel().model().getNDManager().getDevice();
            double step = llm.languageModel().scriptedStep()
                    .map(s -> s.productPeak(PEAK_ROWS, llm.languageModel().model().getNDManager()))
                    .orElse(Double.NaN);
            String kind = llm.languageModel().scriptedStep()
                    .map(s -> s.kind().toString().toLowerCase(Locale.ROOT)).orElse("");
            return new Ceilings(gemmFlops, step, kind,
                    MemoryBandwidth.measure(device, MemoryBandwidth.DEFAULT_BYTES, 3));
        }

        Ceilings max(Ceilings other) {
            return new Ceilings(Math.max(gemmFlops, other.gemmFlops), Math.max(stepFlops, other.stepFlops), stepKind,
                    Math.max(bandwidth, other.bandwidth));
        }
    }

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
            Device device = llm.languageModel().model().getNDManager().getDevice();
            long cpu = cpuNanos();
            double gemmBefore = Flops.measurePeak(device, 1024);
            // Per CPU-second, contention from other processes on a shared machine drops out of the comparison below.
            double gemmFlopsPerCpuSecond = Flops.PRODUCTS_PER_SHAPE * 2.0 * Math.pow(1024, 3)
                    / ((cpuNanos() - cpu) / 1e9);
            Ceilings before = Ceilings.measure(llm, gemmBefore);
            int promptTokens = llm.tokenizer().encode(prompt).length;
            URI base = URI.create("http://127.0.0.1:" + server.port());
            ServeBenchmark.run(base, null, 1, prompt, 4); // warm-up
            long parameters = llm.config().parameterCount();
            List<ServeBenchmark.Round> rounds = new ArrayList<>();
            List<Double> perCpu = new ArrayList<>();
            for (int c : clients) {
                long start = cpuNanos();
                ServeBenchmark.Round r = ServeBenchmark.run(base, null, c, prompt, maxTokens);
                double roundFlops = 2.0 * parameters * (r.tokens() + (double) promptTokens * c);
                rounds.add(r);
                perCpu.add(roundFlops / ((cpuNanos() - start) / 1e9) / gemmFlopsPerCpuSecond);
            }
            Ceilings ceilings = before.max(Ceilings.measure(llm, Flops.measurePeak(device, 1024)));
            // int8 copies live in the scripted step; the network beside them keeps its 16-bit matrices.
            boolean int8 = modelOptions.computeType == ComputeType.INT8;
            String dtype = (int8 ? ComputeType.INT8 : ComputeType.of(llm.languageModel().model().getDataType()))
                    .toString();
            long bytesPerToken = Benchmark.weightBytesPerToken(llm.config(),
                    int8 ? 1 : llm.languageModel().model().getDataType().getNumOfBytes());
            Report report = new Report(parameters, dtype, bytesPerToken, ceilings, rounds, perCpu, widest);
            System.out.print(json ? Json.writeWithNulls(report.toJson()) + System.lineSeparator() : report.text());
        }
        return 0;
    }

    /** The rounds against the ceilings, as text or JSON. */
    private record Report(long parameters, String dtype, long bytesPerToken, Ceilings ceilings,
            List<ServeBenchmark.Round> rounds, List<Double> perCpu, int widest) {

        double roofline() {
            return ceilings.gemmFlops() / (2.0 * parameters);
        }

        double stepRoofline() {
            return ceilings.stepFlops() / (2.0 * parameters);
        }

        double memoryRoofline() {
            return ceilings.bandwidth() / bytesPerToken;
        }

        double rate(int clients) {
            return rounds.stream().filter(r -> r.clients() == clients).mapToDouble(
                    ServeBenchmark.Round::decodeTokensPerSecond).findFirst().orElse(Double.NaN);
        }

        String text() {
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                    "%-8s %12s %12s %10s %10s %12s %12s %14s%n", "clients", "decode tok/s", "overall tok/s",
                    "TTFT p50", "TTFT p95", "token p50", "token p95", "FLOP/CPU-s"));
            for (int i = 0; i < rounds.size(); i++) {
                ServeBenchmark.Round r = rounds.get(i);
                out.append(String.format(Locale.ROOT, "%-8d %12.2f %13.2f %9.2fs %9.2fs %11.3fs %11.3fs %13.0f%%%n",
                        r.clients(), r.decodeTokensPerSecond(), r.overallTokensPerSecond(), r.ttftP50(), r.ttftP95(),
                        r.tokenP50(), r.tokenP95(), 100 * perCpu.get(i)));
            }
            out.append("(decode: tokens while all streams decode together, per second; overall: all tokens over the"
                    + " round, prefills included; FLOP/CPU-s: the model's FLOPs per CPU-second of this process over"
                    + " the GEMM's, prefill included; other processes' load drops out)\n");
            out.append(String.format(Locale.ROOT, "%,d parameters (%s weights); GEMM peak %.1f GFLOP/s, compute"
                    + " roofline %.1f tokens/s%n", parameters, dtype, ceilings.gemmFlops() / 1e9, roofline()));
            double single = rate(1);
            out.append(String.format(Locale.ROOT, "%d streams: %.2f tokens/s = %.0f%% of the roofline, %.2fx one"
                    + " stream%n", widest, rate(widest), 100 * rate(widest) / roofline(), rate(widest) / single));
            if (!Double.isNaN(ceilings.stepFlops())) {
                out.append(String.format(Locale.ROOT, "the step's own %s product at %d rows: %.1f GFLOP/s, roofline"
                        + " %.1f tokens/s; %d streams reach %.0f%% of it%n", ceilings.stepKind(), PEAK_ROWS,
                        ceilings.stepFlops() / 1e9, stepRoofline(), widest, 100 * rate(widest) / stepRoofline()));
            }
            out.append(String.format(Locale.ROOT, "memory read %.1f GB/s: %.2f GB of weights a step allow one stream"
                    + " %.1f tokens/s%s%n", ceilings.bandwidth() / 1e9, bytesPerToken / 1e9, memoryRoofline(),
                    Double.isNaN(single) ? "" : String.format(Locale.ROOT, "; one stream reached %.0f%% of it",
                            100 * single / memoryRoofline())));
            return out.toString();
        }

        JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("parameters", parameters);
            o.addProperty("dtype", dtype);
            o.add("gemm_peak_flops", Json.number(ceilings.gemmFlops()));
            o.add("compute_roofline_tokens_per_second", Json.number(roofline()));
            o.add("memory_bandwidth_bytes_per_second", Json.number(ceilings.bandwidth()));
            o.addProperty("weight_bytes_per_token", bytesPerToken);
            o.add("memory_roofline_tokens_per_second", Json.number(memoryRoofline()));
            JsonArray all = new JsonArray();
            for (int i = 0; i < rounds.size(); i++) {
                JsonObject round = BenchServeCommand.toJson(rounds.get(i));
                round.add("model_flops_per_cpu_second_over_gemm", Json.number(perCpu.get(i)));
                all.add(round);
            }
            o.add("rounds", all);
            o.add("widest_over_roofline", Json.number(rate(widest) / roofline()));
            if (!Double.isNaN(rate(1))) {
                o.add("widest_over_single", Json.number(rate(widest) / rate(1)));
                o.add("single_over_memory_roofline", Json.number(rate(1) / memoryRoofline()));
            }
            if (!Double.isNaN(ceilings.stepFlops())) {
                o.addProperty("step_product_kind", ceilings.stepKind());
                o.add("step_product_peak_flops", Json.number(ceilings.stepFlops()));
                o.add("widest_over_step_product_roofline", Json.number(rate(widest) / stepRoofline()));
            }
            return o;
        }
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
        o.add("decode_tokens_per_second", Json.number(r.decodeTokensPerSecond()));
        o.add("overall_tokens_per_second", Json.number(r.overallTokensPerSecond()));
        o.add("ttft_p50_seconds", Json.number(r.ttftP50()));
        o.add("ttft_p95_seconds", Json.number(r.ttftP95()));
        o.add("token_latency_p50_seconds", Json.number(r.tokenP50()));
        o.add("token_latency_p95_seconds", Json.number(r.tokenP95()));
        return o;
    }
}
