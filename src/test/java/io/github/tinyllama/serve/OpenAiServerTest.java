package io.github.tinyllama.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.generate.Chat;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatTemplate;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The server as OpenAI's own Java SDK sees it (streaming and not), and as raw HTTP sees its errors and
 * limits. Greedy answers must equal what {@code generate} and {@code chat} produce alone.
 */
class OpenAiServerTest {

    private static TinyLlama llm;
    private static OpenAiServer server;
    private static OpenAIClient client;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        llm = TinyLlama.load(Path.of("model-zoo/nano"));
        server = OpenAiServer.builder(llm).optPort(0).optMaxBatch(4).optMaxQueue(8).optServedName("nano")
                .optTemplate(ChatTemplate.ZEPHYR).start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUri().toString()).apiKey("unused").maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        llm.close();
    }

    private static ChatCompletionCreateParams chatParams(String message) {
        return ChatCompletionCreateParams.builder().model("nano").addUserMessage(message).maxCompletionTokens(12)
                .temperature(0.0).build();
    }

    /** What {@code tinyllama chat} answers to one message, greedily, with the same template. */
    private static String chatAlone(String message, int maxTokens) {
        try (Chat chat = Chat.start(llm, ChatTemplate.ZEPHYR, null, GenerationConfig.greedy(maxTokens))) {
            return chat.say(message, text -> {}).text();
        }
    }

    @Test
    void sdkChatAnswersAsTheChatCommandDoes() {
        ChatCompletion c = client.chat().completions().create(chatParams("Tell me about the sea."));
        assertEquals(chatAlone("Tell me about the sea.", 12), c.choices().get(0).message().content().orElse(null));
        assertEquals("nano", c.model());
        assertTrue(c.usage().get().completionTokens() > 0);
    }

    @Test
    void sdkStreamedChatConcatenatesToTheSameAnswer() {
        String expected = chatAlone("Write a line of Java.", 12);
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions()
                .createStreaming(chatParams("Write a line of Java."))) {
            chunks = s.stream().collect(Collectors.toList());
        }
        String text = chunks.stream().flatMap(c -> c.choices().stream())
                .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
        assertEquals(expected, text);
        assertTrue(chunks.size() > 3, "streamed in pieces: " + chunks.size());
        assertTrue(chunks.get(chunks.size() - 1).choices().get(0).finishReason().isPresent());
    }

    @Test
    void sdkCompletionsEqualGenerate() {
        String prompt = "The meaning of the word";
        String expected = llm.generate(prompt, GenerationConfig.greedy(10)).text();
        CompletionCreateParams params = CompletionCreateParams.builder().model("nano").prompt(prompt).maxTokens(10)
                .temperature(0.0).build();
        Completion c = client.completions().create(params);
        assertEquals(expected, c.choices().get(0).text());
        String streamed;
        try (StreamResponse<Completion> s = client.completions().createStreaming(params)) {
            streamed = s.stream().map(x -> x.choices().get(0).text()).collect(Collectors.joining());
        }
        assertEquals(expected, streamed);
    }

    @Test
    void sdkListsTheModel() {
        assertEquals(List.of("nano"), client.models().list().data().stream().map(m -> m.id()).collect(Collectors.toList()));
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject error(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), r.body());
        JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertFalse(error.get("message").getAsString().isBlank());
        return error;
    }

    @Test
    void badRequestsGetOpenAiErrorObjects() throws Exception {
        assertEquals("invalid_request_error",
                error(post("/v1/chat/completions", "{\"messages\": [ {"), 400).get("type").getAsString());
        assertEquals("temperature", error(post("/v1/completions",
                "{\"prompt\": \"a\", \"temperature\": \"hot\"}"), 400).get("param").getAsString());
        assertEquals("messages[0].role", error(post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"king\", \"content\": \"hi\"}]}"), 400).get("param").getAsString());
        assertEquals("n", error(post("/v1/completions", "{\"prompt\": \"a\", \"n\": 2}"), 400).get("param")
                .getAsString());
        assertEquals("prompt", error(post("/v1/completions", "{\"max_tokens\": 3}"), 400).get("param").getAsString());
        assertEquals("stop", error(post("/v1/completions", "{\"prompt\": \"a\", \"stop\": 5}"), 400).get("param")
                .getAsString());
        JsonObject tooLong = error(post("/v1/completions", "{\"prompt\": \"a\", \"max_tokens\": 300}"), 400);
        assertEquals("context_length_exceeded", tooLong.get("code").getAsString());
        assertTrue(tooLong.get("message").getAsString().contains("maximum context length is 256 tokens"));
        error(post("/v1/nothing", "{}"), 404);
        error(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()), 405);
    }

    @Test
    void rawStreamEndsWithDone() throws Exception {
        HttpResponse<String> r = post("/v1/completions",
                "{\"prompt\": \"Once upon\", \"max_tokens\": 5, \"stream\": true, \"logprobs\": 1, \"seed\": 3}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertTrue(r.body().contains("\"token_logprobs\":[-"), r.body());
    }

    @Test
    void topLogprobsComeInOpenAiShapes() throws Exception {
        HttpResponse<String> chat = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Hi\"}], \"max_tokens\": 4, \"temperature\": 0, \"logprobs\": true, \"top_logprobs\": 3}");
        assertEquals(200, chat.statusCode(), chat.body());
        JsonArray content = JsonParser.parseString(chat.body()).getAsJsonObject().getAsJsonArray("choices").get(0)
                .getAsJsonObject().getAsJsonObject("logprobs").getAsJsonArray("content");
        assertEquals(4, content.size());
        for (var e : content) {
            JsonObject entry = e.getAsJsonObject();
            JsonArray top = entry.getAsJsonArray("top_logprobs");
            assertEquals(3, top.size());
            // Greedy: the chosen token is the most likely one.
            assertEquals(entry.get("token"), top.get(0).getAsJsonObject().get("token"));
            assertEquals(entry.get("logprob").getAsDouble(), top.get(0).getAsJsonObject().get("logprob").getAsDouble());
            assertTrue(top.get(2).getAsJsonObject().has("bytes"));
        }
        HttpResponse<String> completion = post("/v1/completions",
                "{\"prompt\": \"Once upon\", \"max_tokens\": 3, \"temperature\": 0, \"logprobs\": 2}");
        JsonObject logprobs = JsonParser.parseString(completion.body()).getAsJsonObject().getAsJsonArray("choices")
                .get(0).getAsJsonObject().getAsJsonObject("logprobs");
        JsonArray tops = logprobs.getAsJsonArray("top_logprobs");
        assertEquals(3, tops.size(), completion.body());
        for (int i = 0; i < 3; i++) {
            JsonObject top = tops.get(i).getAsJsonObject();
            assertTrue(top.size() >= 1 && top.size() <= 2, "token text -> log-probability: " + top);
            assertEquals(logprobs.getAsJsonArray("token_logprobs").get(i).getAsDouble(),
                    top.get(logprobs.getAsJsonArray("tokens").get(i).getAsString()).getAsDouble());
        }
        assertEquals("top_logprobs", error(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"Hi\"}], \"top_logprobs\": 2}"), 400).get("param").getAsString());
        assertEquals("top_logprobs", error(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"Hi\"}], \"logprobs\": true, \"top_logprobs\": 21}"), 400).get("param")
                .getAsString());
    }

    @Test
    void penaltiesAreAppliedAsGenerateAppliesThem() throws Exception {
        String prompt = "The meaning of the word";
        GenerationConfig penalised = GenerationConfig.builder().optMaxNewTokens(12).optPresencePenalty(1.5)
                .optFrequencyPenalty(1).build();
        String expected = llm.generate(prompt, penalised).text();
        HttpResponse<String> r = post("/v1/completions", "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 12,"
                + " \"temperature\": 0, \"presence_penalty\": 1.5, \"frequency_penalty\": 1}");
        assertEquals(expected, JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("choices").get(0)
                .getAsJsonObject().get("text").getAsString(), r.body());
        assertEquals("frequency_penalty", error(post("/v1/completions",
                "{\"prompt\": \"a\", \"frequency_penalty\": 2.5}"), 400).get("param").getAsString());
    }

    @Test
    void healthAndMetrics() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        client.completions().create(CompletionCreateParams.builder().model("nano").prompt("x").maxTokens(2).build());
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String name : new String[] {"tinyllama_requests_total{endpoint=\"/v1/completions\",status=\"200\"}",
            "tinyllama_generated_tokens_total", "tinyllama_queue_length", "tinyllama_batch_occupancy",
            "tinyllama_time_to_first_token_seconds_count", "tinyllama_kv_cache_bytes"}) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
    }

    @Test
    void aFullQueueGets429AndADisconnectFreesTheRow() throws Exception {
        try (OpenAiServer small = OpenAiServer.builder(llm).optPort(0).optMaxBatch(1).optMaxQueue(0).start()) {
            URI uri = URI.create("http://127.0.0.1:" + small.port() + "/v1/completions");
            String longBody = "{\"prompt\": \"The\", \"max_tokens\": 240, \"stream\": true, \"ignore_eos\": true}";
            HttpResponse<InputStream> running = HTTP.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofString(longBody)).build(), HttpResponse.BodyHandlers.ofInputStream());
            InputStream events = running.body();
            assertTrue(events.read(new byte[64]) > 0, "the first event arrives");
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("rate_limit_exceeded", error(refused, 429).get("type").getAsString());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
            events.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (small.scheduler().running() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, small.scheduler().running(), "the disconnected stream's row was freed");
            assertEquals(0, small.scheduler().cachedBytes());
            assertTrue(small.scheduler().steps() < 240, "cancelled before its budget: " + small.scheduler().steps());
        }
    }

    @Test
    void anApiKeyIsEnforced() throws Exception {
        try (OpenAiServer locked = OpenAiServer.builder(llm).optPort(0).optApiKey("s3cret").optServedName("nano").start()) {
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(locked.baseUri().toString())
                    .apiKey("guess").maxRetries(0).build();
            OpenAIClient right = OpenAIOkHttpClient.builder().baseUrl(locked.baseUri().toString())
                    .apiKey("s3cret").maxRetries(0).build();
            try {
                wrong.models().list();
                throw new AssertionError("a wrong key was accepted");
            } catch (UnauthorizedException expected) {
                assertEquals(401, expected.statusCode());
            }
            assertEquals("nano", right.models().list().data().get(0).id());
            HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + locked.port() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("invalid_api_key", error(none, 401).get("code").getAsString());
            assertTrue(locked.baseUri().toString().startsWith("http://127.0.0.1:"), "binds loopback by default");
            wrong.close();
            right.close();
        }
    }
}
