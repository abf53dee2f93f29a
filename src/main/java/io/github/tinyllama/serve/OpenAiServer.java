package io.github.tinyllama.serve;

import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatTemplate;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An OpenAI-compatible HTTP server over one model: {@code GET /v1/models}, {@code POST /v1/completions},
 * {@code POST /v1/chat/completions} (streaming as server-sent events), {@code GET /health},
 * {@code GET /metrics} (Prometheus text) and a chat page at {@code /}.
 *
 * <p>Built on the JDK's own {@code com.sun.net.httpserver}: no dependency, and server-sent events are a
 * chunked response written token by token. Every request runs on a pool thread that waits on its sequence;
 * the {@link Scheduler}'s single thread does all the model work.
 *
 * <pre>{@code
 * try (OpenAiServer server = OpenAiServer.builder(llm).port(8080).start()) {
 *     System.out.println(server.baseUri()); // http://127.0.0.1:8080/v1
 * }
 * }</pre>
 */
public final class OpenAiServer implements AutoCloseable {

    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final int MAX_BODY_BYTES = 4 << 20;

    private final HttpServer http;
    private final ExecutorService pool;
    private final Scheduler scheduler;
    private final ServeMetrics metrics = new ServeMetrics();
    private final Completions completions;
    private final TinyLlama llm;
    private final ChatTemplate template;
    private final String modelName;
    private final byte[] apiKey;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OpenAiServer(Builder b) throws IOException {
        this.llm = b.llm;
        this.template = b.template;
        this.modelName = b.servedName;
        this.apiKey = b.apiKey == null ? null : ("Bearer " + b.apiKey).getBytes(StandardCharsets.UTF_8);
        this.scheduler = new Scheduler(llm.languageModel(), b.maxBatch, b.maxQueue);
        this.completions = new Completions(llm, scheduler, metrics, modelName);
        // Streams hold a thread each for their whole life: room for every row and queued request, plus some
        // for quick requests (health, metrics, refusals).
        this.pool = Executors.newFixedThreadPool(b.maxBatch + b.maxQueue + 8, r -> {
            Thread t = new Thread(r, "tinyllama-http");
            t.setDaemon(true);
            return t;
        });
        try {
            http = HttpServer.create(new InetSocketAddress(b.host, b.port), 64);
        } catch (IOException e) {
            scheduler.close();
            pool.shutdownNow();
            throw new IOException("cannot listen on " + b.host + ":" + b.port + ": " + e.getMessage(), e);
        }
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Starts configuring a server for a loaded model. */
    public static Builder builder(TinyLlama llm) {
        return new Builder(llm);
    }

    /** The port listened on (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The OpenAI base URL clients take, {@code http://host:port/v1}. */
    public URI baseUri() {
        String host = http.getAddress().getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/v1");
    }

    /** The scheduler, for its live counts (rows in use, queue, KV-cache bytes). */
    public Scheduler scheduler() {
        return scheduler;
    }

    private void handle(HttpExchange exchange) {
        long received = System.nanoTime();
        String path = exchange.getRequestURI().getPath();
        String endpoint = path.startsWith("/v1/") || path.equals("/health") || path.equals("/metrics") ? path : "/";
        int status;
        try {
            status = route(exchange, path, received);
        } catch (ApiException e) {
            status = e.status();
            sendQuietly(exchange, status, e.toJson());
        } catch (IOException e) {
            status = 499; // the client closed the connection
        } catch (RuntimeException e) {
            status = 500;
            sendQuietly(exchange, 500, new ApiException(500, "server_error", null, null, "internal error: " + e)
                    .toJson());
        } finally {
            exchange.close();
        }
        metrics.request(endpoint, status);
    }

    private int route(HttpExchange exchange, String path, long received) throws IOException, ApiException {
        String method = exchange.getRequestMethod();
        switch (path) {
            case "/":
                requireMethod(method, "GET");
                return sendPage(exchange);
            case "/health":
                requireMethod(method, "GET");
                JsonObject health = new JsonObject();
                health.addProperty("status", "ok");
                return sendJson(exchange, 200, health);
            case "/metrics":
                authorize(exchange);
                requireMethod(method, "GET");
                return send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.render(scheduler).getBytes(StandardCharsets.UTF_8));
            case "/v1/models":
                authorize(exchange);
                requireMethod(method, "GET");
                JsonObject list = new JsonObject();
                list.addProperty("object", "list");
                JsonArray data = new JsonArray();
                data.add(modelEntry());
                list.add("data", data);
                return sendJson(exchange, 200, list);
            case "/v1/completions":
            case "/v1/chat/completions":
                authorize(exchange);
                requireMethod(method, "POST");
                boolean chat = path.equals("/v1/chat/completions");
                CompletionJob job = CompletionJob.read(readBody(exchange), chat, llm, template);
                return completions.run(exchange, job, received);
            default:
                if (path.equals("/v1/models/" + modelName)) {
                    authorize(exchange);
                    return sendJson(exchange, 200, modelEntry());
                }
                throw new ApiException(404, "invalid_request_error", null, "not_found",
                        "no endpoint " + method + " " + path);
        }
    }

    private JsonObject modelEntry() {
        JsonObject model = new JsonObject();
        model.addProperty("id", modelName);
        model.addProperty("object", "model");
        model.addProperty("created", created);
        model.addProperty("owned_by", "tinyllama-djl");
        return model;
    }

    private void authorize(HttpExchange exchange) throws ApiException {
        if (apiKey == null) {
            return;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] bytes = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
        // Constant-time comparison, so the key cannot be guessed byte by byte from response times.
        if (!MessageDigest.isEqual(apiKey, bytes)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    given == null ? "You didn't provide an API key: send it as 'Authorization: Bearer KEY'."
                            : "Incorrect API key provided.");
        }
    }

    private static void requireMethod(String method, String allowed) throws ApiException {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    method + " is not allowed here; use " + allowed);
        }
    }

    private static String readBody(HttpExchange exchange) throws IOException, ApiException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new ApiException(413, "invalid_request_error", null, "request_too_large",
                        "the request body exceeds " + MAX_BODY_BYTES + " bytes");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private int sendPage(HttpExchange exchange) throws IOException {
        try (InputStream in = OpenAiServer.class.getResourceAsStream("chat.html")) {
            if (in == null) {
                throw new IOException("the chat page is missing from the classpath (io/github/tinyllama/serve/chat.html)");
            }
            return send(exchange, 200, "text/html; charset=utf-8", in.readAllBytes());
        }
    }

    static int sendJson(HttpExchange exchange, int status, JsonElement body) throws IOException {
        return send(exchange, status, "application/json", GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    private static int send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    private static void sendQuietly(HttpExchange exchange, int status, JsonObject body) {
        try {
            sendJson(exchange, status, body);
        } catch (IOException | RuntimeException e) {
            // Headers already sent (a stream that failed midway) or the client is gone: nothing more to say.
        }
    }

    /** Stops listening, ends every running sequence and stops the threads; leaves the model open. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        http.stop(0);
        scheduler.close();
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures a server. */
    public static final class Builder {
        private final TinyLlama llm;
        private String host = "127.0.0.1";
        private int port = 8080;
        private int maxBatch = 8;
        private int maxQueue = 64;
        private String apiKey;
        private String servedName;
        private ChatTemplate template = ChatTemplate.NONE;

        private Builder(TinyLlama llm) {
            this.llm = llm;
            this.servedName = llm.languageModel().directory() == null ? "tinyllama"
                    : llm.languageModel().directory().getFileName().toString();
        }

        /** The address to bind; 127.0.0.1 (this machine only) unless set. */
        public Builder optHost(String value) {
            host = value;
            return this;
        }

        /** The port; 0 picks a free one. */
        public Builder optPort(int value) {
            port = value;
            return this;
        }

        /** The most sequences decoded together (default 8). */
        public Builder optMaxBatch(int value) {
            maxBatch = value;
            return this;
        }

        /** The most requests waiting for a row before new ones get 429 (default 64). */
        public Builder optMaxQueue(int value) {
            maxQueue = value;
            return this;
        }

        /** Requires {@code Authorization: Bearer KEY} on the API and metrics; none when unset. */
        public Builder optApiKey(String value) {
            apiKey = value;
            return this;
        }

        /** The model name clients see in {@code /v1/models} and answers (default: the model directory's name). */
        public Builder optServedName(String value) {
            servedName = value;
            return this;
        }

        /** The chat template that renders {@code /v1/chat/completions} messages (default: none). */
        public Builder optTemplate(ChatTemplate value) {
            template = value;
            return this;
        }

        /**
         * Binds and starts serving.
         *
         * @throws IOException if the address cannot be bound
         */
        public OpenAiServer start() throws IOException {
            if (maxBatch < 1 || maxQueue < 0) {
                throw new IllegalArgumentException("max batch must be at least 1 and max queue at least 0, not "
                        + maxBatch + " and " + maxQueue);
            }
            return new OpenAiServer(this);
        }
    }
}
