package io.github.tinyllama.serve;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/** The server's counters, written as Prometheus text for {@code GET /metrics}. */
final class ServeMetrics {

    /** Upper bounds (seconds) of the time-to-first-token histogram's buckets. */
    private static final double[] TTFT_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<String, AtomicLong> requests = new TreeMap<>();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLongArray ttftBuckets = new AtomicLongArray(TTFT_BUCKETS.length);
    private final AtomicLong ttftCount = new AtomicLong();
    private final AtomicLong ttftMicros = new AtomicLong();

    /** Counts a finished request by endpoint and status. */
    synchronized void request(String endpoint, int status) {
        requests.computeIfAbsent("endpoint=\"" + endpoint + "\",status=\"" + status + "\"", k -> new AtomicLong())
                .incrementAndGet();
    }

    void tokens(int prompt, int generated) {
        promptTokens.addAndGet(prompt);
        generatedTokens.addAndGet(generated);
    }

    void timeToFirstToken(double seconds) {
        for (int i = 0; i < TTFT_BUCKETS.length; i++) {
            if (seconds <= TTFT_BUCKETS[i]) {
                ttftBuckets.incrementAndGet(i);
            }
        }
        ttftCount.incrementAndGet();
        ttftMicros.addAndGet(Math.round(seconds * 1e6));
    }

    /**
     * The Prometheus text exposition.
     *
     * @param scheduler the live gauges: queue, rows in use and KV-cache bytes
     */
    synchronized String render(Scheduler scheduler) {
        StringBuilder out = new StringBuilder();
        out.append("# HELP tinyllama_requests_total HTTP requests by endpoint and status.\n");
        out.append("# TYPE tinyllama_requests_total counter\n");
        requests.forEach((labels, n) -> out.append("tinyllama_requests_total{").append(labels).append("} ")
                .append(n.get()).append('\n'));
        counter(out, "tinyllama_prompt_tokens_total", "Prompt tokens of completed requests.", promptTokens::get);
        counter(out, "tinyllama_generated_tokens_total", "Tokens generated.", generatedTokens::get);
        gauge(out, "tinyllama_queue_length", "Requests waiting for a batch row.", scheduler.waiting());
        gauge(out, "tinyllama_running_sequences", "Sequences holding a batch row.", scheduler.running());
        gauge(out, "tinyllama_batch_occupancy", "Rows in use over the batch size.",
                (double) scheduler.running() / scheduler.maxBatch());
        gauge(out, "tinyllama_kv_cache_bytes", "Bytes of KV cache held.", scheduler.cachedBytes());
        counter(out, "tinyllama_decode_steps_total", "Batched decode steps run.", scheduler::steps);
        out.append("# HELP tinyllama_time_to_first_token_seconds From request to first generated token.\n");
        out.append("# TYPE tinyllama_time_to_first_token_seconds histogram\n");
        for (int i = 0; i < TTFT_BUCKETS.length; i++) {
            out.append(String.format(Locale.ROOT, "tinyllama_time_to_first_token_seconds_bucket{le=\"%s\"} %d%n",
                    TTFT_BUCKETS[i], ttftBuckets.get(i)));
        }
        out.append("tinyllama_time_to_first_token_seconds_bucket{le=\"+Inf\"} ").append(ttftCount.get()).append('\n');
        out.append(String.format(Locale.ROOT, "tinyllama_time_to_first_token_seconds_sum %.6f%n", ttftMicros.get() / 1e6));
        out.append("tinyllama_time_to_first_token_seconds_count ").append(ttftCount.get()).append('\n');
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, LongSupplier value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        out.append(name).append(' ').append(value.getAsLong()).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(String.format(Locale.ROOT, "%s", value)).append('\n');
    }
}
