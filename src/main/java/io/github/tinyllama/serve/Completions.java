package io.github.tinyllama.serve;

import io.github.tinyllama.generate.Alternatives;
import io.github.tinyllama.generate.BatchDecoder;
import io.github.tinyllama.generate.FinishReason;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.generate.TokenText;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Runs one checked completion request through the scheduler and answers it in OpenAI's shapes: one JSON
 * object, or server-sent events ending in {@code data: [DONE]}. A streaming client that goes away is noticed
 * at the next token it cannot be sent, and its sequence is cancelled.
 */
final class Completions {

    /** A piece of text (maybe empty), the token that produced it and its rivals; {@link #END} marks the end. */
    private record Piece(String text, long id, double logprob, Alternatives top) {}

    private static final Piece END = new Piece("", -1, 0, Alternatives.NONE);

    private final TinyLlama llm;
    private final Scheduler scheduler;
    private final ServeMetrics metrics;
    private final String modelName;

    Completions(TinyLlama llm, Scheduler scheduler, ServeMetrics metrics, String modelName) {
        this.llm = llm;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.modelName = modelName;
    }

    /** Runs the job and writes the answer; returns the HTTP status sent. */
    int run(HttpExchange exchange, CompletionJob job, long receivedNanos) throws IOException, ApiException {
        TokenText text = new TokenText(llm.tokenizer(), job.config().stopStrings());
        BlockingQueue<Piece> pieces = new LinkedBlockingQueue<>();
        boolean[] first = {true};
        BatchDecoder.Sequence sequence;
        try {
            sequence = scheduler.submit(job.promptIds(), job.config(), job.topLogprobs(), (id, logprob, top) -> {
                if (first[0]) {
                    first[0] = false;
                    metrics.timeToFirstToken((System.nanoTime() - receivedNanos) / 1e9);
                }
                pieces.add(new Piece(text.push(id), id, logprob, top));
                return !text.stopped();
            });
        } catch (Scheduler.QueueFullException e) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            throw new ApiException(429, "rate_limit_exceeded", null, "rate_limit_exceeded", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("prompt", e.getMessage());
        }
        sequence.result().whenComplete((r, e) -> pieces.add(END));
        String id = (job.chat() ? "chatcmpl-" : "cmpl-") + Long.toHexString(System.nanoTime());
        long created = System.currentTimeMillis() / 1000;
        return job.stream() ? stream(exchange, job, sequence, pieces, text, id, created)
                : whole(exchange, job, sequence, pieces, text, id, created);
    }

    private int whole(HttpExchange exchange, CompletionJob job, BatchDecoder.Sequence sequence,
            BlockingQueue<Piece> pieces, TokenText text, String id, long created) throws IOException, ApiException {
        GenerationResult r = await(sequence);
        text.finish();
        JsonArray logprobs = new JsonArray();
        for (Piece p; (p = pieces.poll()) != null;) {
            if (p != END) {
                logprobs.add(tokenLogprob(p));
            }
        }
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        if (job.chat()) {
            JsonObject message = new JsonObject();
            message.addProperty("role", "assistant");
            message.addProperty("content", text.text());
            choice.add("message", message);
        } else {
            choice.addProperty("text", text.text());
        }
        choice.add("logprobs", job.logprobs() ? logprobs(job, logprobs) : JsonNull.INSTANCE);
        choice.addProperty("finish_reason", finishReason(r, text));
        JsonObject o = envelope(job, id, created);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        o.add("choices", choices);
        o.add("usage", usage(r));
        metrics.tokens(r.promptTokens(), r.generatedTokens());
        OpenAiServer.sendJson(exchange, 200, o);
        return 200;
    }

    private int stream(HttpExchange exchange, CompletionJob job, BatchDecoder.Sequence sequence,
            BlockingQueue<Piece> pieces, TokenText text, String id, long created) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            if (job.chat()) {
                JsonObject delta = new JsonObject();
                delta.addProperty("role", "assistant");
                delta.addProperty("content", "");
                event(out, chunk(job, id, created, delta, null, null));
            }
            while (true) {
                Piece p = pieces.take();
                if (p == END) {
                    break;
                }
                if (!p.text().isEmpty() || job.logprobs()) {
                    event(out, chunk(job, id, created, content(job, p.text()), p, null));
                }
            }
            GenerationResult r;
            try {
                r = sequence.result().get();
            } catch (ExecutionException e) {
                JsonObject error = new ApiException(500, "server_error", null, null,
                        "generation failed: " + e.getCause()).toJson();
                event(out, error);
                return 200;
            }
            String rest = text.finish();
            if (!rest.isEmpty()) {
                event(out, chunk(job, id, created, content(job, rest), null, null));
            }
            event(out, chunk(job, id, created, job.chat() ? new JsonObject() : content(job, ""), null,
                    finishReason(r, text)));
            if (job.includeUsage()) {
                JsonObject last = envelope(job, id, created);
                last.add("choices", new JsonArray());
                last.add("usage", usage(r));
                event(out, last);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            metrics.tokens(r.promptTokens(), r.generatedTokens());
        } catch (IOException e) {
            // The client went away: free its row at the next step.
            sequence.cancel();
            throw e;
        } catch (InterruptedException e) {
            sequence.cancel();
            Thread.currentThread().interrupt();
        } finally {
            out.close();
        }
        return 200;
    }

    private static GenerationResult await(BatchDecoder.Sequence sequence) throws ApiException {
        try {
            return sequence.result().get();
        } catch (ExecutionException e) {
            throw new ApiException(500, "server_error", null, null, "generation failed: " + e.getCause());
        } catch (InterruptedException e) {
            sequence.cancel();
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, null, "the server is shutting down");
        }
    }

    private static void event(OutputStream out, JsonObject data) throws IOException {
        out.write(("data: " + OpenAiServer.GSON.toJson(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private JsonObject envelope(CompletionJob job, String id, long created) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("object", job.chat() ? (job.stream() ? "chat.completion.chunk" : "chat.completion")
                : "text_completion");
        o.addProperty("created", created);
        o.addProperty("model", modelName);
        o.addProperty("system_fingerprint", "tinyllama-djl");
        return o;
    }

    private JsonObject chunk(CompletionJob job, String id, long created, JsonObject delta, Piece piece,
            String finishReason) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        if (job.chat()) {
            choice.add("delta", delta);
        } else {
            choice.add("text", delta.get("text"));
        }
        if (piece != null && job.logprobs()) {
            JsonArray one = new JsonArray();
            one.add(tokenLogprob(piece));
            choice.add("logprobs", logprobs(job, one));
        } else {
            choice.add("logprobs", JsonNull.INSTANCE);
        }
        if (finishReason == null) {
            choice.add("finish_reason", JsonNull.INSTANCE);
        } else {
            choice.addProperty("finish_reason", finishReason);
        }
        JsonObject o = envelope(job, id, created);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        o.add("choices", choices);
        return o;
    }

    private static JsonObject content(CompletionJob job, String text) {
        JsonObject o = new JsonObject();
        o.addProperty(job.chat() ? "content" : "text", text);
        return o;
    }

    /** One token's entry: its vocabulary text, log-probability, UTF-8 bytes and the most likely tokens there. */
    private JsonObject tokenLogprob(Piece p) {
        JsonObject o = tokenEntry(p.id(), p.logprob());
        JsonArray top = new JsonArray();
        for (int i = 0; i < p.top().ids().length; i++) {
            top.add(tokenEntry(p.top().ids()[i], p.top().logprobs()[i]));
        }
        o.add("top_logprobs", top);
        return o;
    }

    /** Chat's {@code {"token", "logprob", "bytes"}} for one token. */
    private JsonObject tokenEntry(long id, double logprob) {
        JsonObject o = new JsonObject();
        String token = llm.tokenizer().tokenText(id);
        o.addProperty("token", token);
        o.addProperty("logprob", logprob);
        JsonArray bytes = new JsonArray();
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        o.add("bytes", bytes);
        return o;
    }

    /**
     * Chat's {@code {"content": [...]}} or the completions' {@code {"tokens", "token_logprobs", "top_logprobs"}},
     * whose {@code top_logprobs} maps each position's most likely token texts to their log-probabilities (null
     * when none were asked for).
     */
    private static JsonObject logprobs(CompletionJob job, JsonArray entries) {
        JsonObject o = new JsonObject();
        if (job.chat()) {
            o.add("content", entries);
            return o;
        }
        JsonArray tokens = new JsonArray();
        JsonArray values = new JsonArray();
        JsonArray tops = new JsonArray();
        entries.forEach(e -> {
            tokens.add(e.getAsJsonObject().get("token"));
            values.add(e.getAsJsonObject().get("logprob"));
            JsonObject top = new JsonObject();
            e.getAsJsonObject().getAsJsonArray("top_logprobs").forEach(t ->
                    top.add(t.getAsJsonObject().get("token").getAsString(), t.getAsJsonObject().get("logprob")));
            tops.add(top);
        });
        o.add("tokens", tokens);
        o.add("token_logprobs", values);
        o.add("top_logprobs", job.topLogprobs() > 0 ? tops : JsonNull.INSTANCE);
        return o;
    }

    private static String finishReason(GenerationResult r, TokenText text) {
        return r.finishReason() == FinishReason.LENGTH && !text.stopped() ? "length" : "stop";
    }

    private static JsonObject usage(GenerationResult r) {
        JsonObject u = new JsonObject();
        u.addProperty("prompt_tokens", r.promptTokens());
        u.addProperty("completion_tokens", r.generatedTokens());
        u.addProperty("total_tokens", r.promptTokens() + r.generatedTokens());
        return u;
    }
}
