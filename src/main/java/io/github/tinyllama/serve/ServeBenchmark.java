package io.github.tinyllama.serve;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * A load test of a running server: {@code clients} streaming completions at once, each of exactly
 * {@code maxTokens} tokens ({@code ignore_eos}), timed at every token as the client sees it.
 */
public final class ServeBenchmark {

    private ServeBenchmark() {}

    /**
     * One round's figures.
     *
     * @param clients concurrent streams
     * @param tokens tokens received in all
     * @param decodeTokensPerSecond tokens that arrived while every stream was decoding (after the last stream's
     *     first token, up to the first stream's last), over that span: the batch at its full width, with no
     *     prefill of a joining stream in it; for one client, its tokens after the first over their span
     * @param overallTokensPerSecond every token received, over the round from its start to the last token
     *     (prefills, queueing and the ramp up and down included)
     * @param ttftP50 median time to first token, seconds
     * @param ttftP95 95th percentile time to first token, seconds
     * @param tokenP50 median gap between tokens of a stream, seconds
     * @param tokenP95 95th percentile gap between tokens of a stream, seconds
     */
    public record Round(int clients, int tokens, double decodeTokensPerSecond, double overallTokensPerSecond,
            double ttftP50, double ttftP95, double tokenP50, double tokenP95) {}

    /**
     * Runs one round against a server.
     *
     * @param base the server's root, {@code http://host:port}
     * @param apiKey the bearer key, or {@code null}
     * @param clients concurrent streams
     * @param prompt the prompt each stream completes
     * @param maxTokens tokens per stream
     * @return the round's figures
     * @throws IOException if a request fails or is refused
     */
    public static Round run(URI base, String apiKey, int clients, String prompt, int maxTokens) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"prompt\": " + OpenAiServer.GSON.toJson(prompt) + ", \"max_tokens\": " + maxTokens
                + ", \"stream\": true, \"ignore_eos\": true, \"logprobs\": 1, \"temperature\": 0}";
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<double[]>> streams = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            streams.add(pool.submit(() -> stream(http, base, apiKey, body, start)));
        }
        List<double[]> all = new ArrayList<>();
        try {
            for (Future<double[]> f : streams) {
                all.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("a benchmark stream failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return summarise(clients, all);
    }

    /** One stream's token arrival times, seconds from the round's start. */
    private static double[] stream(HttpClient http, URI base, String apiKey, String body, long start)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/completions"))
                .timeout(Duration.ofHours(1)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<Stream<String>> r = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + ": " + String.join("\n", r.body().toList()));
        }
        List<Double> times = new ArrayList<>();
        r.body().forEach(line -> {
            // With logprobs every token comes as its own event, even one that completes no character yet.
            if (line.startsWith("data: {") && line.contains("\"token_logprobs\":[")) {
                times.add((System.nanoTime() - start) / 1e9);
            }
        });
        return times.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static Round summarise(int clients, List<double[]> arrivals) {
        List<Double> ttft = new ArrayList<>();
        List<Double> gaps = new ArrayList<>();
        double lastFirst = 0;
        double firstEnd = Double.POSITIVE_INFINITY;
        double end = 0;
        int tokens = 0;
        for (double[] t : arrivals) {
            if (t.length == 0) {
                continue;
            }
            tokens += t.length;
            ttft.add(t[0]);
            lastFirst = Math.max(lastFirst, t[0]);
            firstEnd = Math.min(firstEnd, t[t.length - 1]);
            end = Math.max(end, t[t.length - 1]);
            for (int i = 1; i < t.length; i++) {
                gaps.add(t[i] - t[i - 1]);
            }
        }
        int together = 0;
        for (double[] t : arrivals) {
            for (double x : t) {
                together += x > lastFirst && x <= firstEnd ? 1 : 0;
            }
        }
        double steady = firstEnd > lastFirst ? together / (firstEnd - lastFirst) : Double.NaN;
        double overall = end > 0 ? tokens / end : Double.NaN;
        return new Round(clients, tokens, steady, overall, percentile(ttft, 50), percentile(ttft, 95),
                percentile(gaps, 50), percentile(gaps, 95));
    }

    /** The nearest-rank percentile; NaN for no values. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
