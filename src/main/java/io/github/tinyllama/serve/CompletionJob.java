package io.github.tinyllama.serve;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code /v1/completions} or {@code /v1/chat/completions} request asks for, checked: the prompt's
 * tokens, the generation settings, and how to answer.
 *
 * @param chat whether the request came to the chat endpoint (its answer shapes differ)
 * @param promptIds the prompt's tokens (chat: the messages rendered by the model's template, as {@code chat} does)
 * @param config the generation settings (chat: the template's stop strings added)
 * @param stream whether to answer with server-sent events
 * @param logprobs whether to report each token's log-probability
 * @param topLogprobs how many of the most likely tokens to list beside each chosen one (chat's {@code
 *     top_logprobs}, the completions' {@code logprobs} count)
 * @param includeUsage whether a streamed answer ends with a usage chunk ({@code stream_options.include_usage})
 */
record CompletionJob(boolean chat, long[] promptIds, GenerationConfig config, boolean stream, boolean logprobs,
        int topLogprobs, boolean includeUsage) {

    /** OpenAI's bound on chat's {@code top_logprobs}. */
    static final int MAX_TOP_LOGPROBS = 20;

    /** OpenAI's bound on the completions' {@code logprobs}. */
    static final int MAX_COMPLETION_LOGPROBS = 5;

    private static final SecureRandom SEEDS = new SecureRandom();

    /**
     * Reads a request body.
     *
     * @throws ApiException if a field is missing, of the wrong type or out of range, or the prompt and
     *     {@code max_tokens} together exceed the model's context
     */
    static CompletionJob read(String body, boolean chat, TinyLlama llm, ChatTemplate template) throws ApiException {
        RequestFields f = RequestFields.parse(body);
        long[] ids;
        List<String> stops = f.stop();
        if (chat) {
            String text = template.render(messages(f), true);
            synchronized (llm.tokenizer()) {
                ids = llm.tokenizer().encode(text);
            }
            stops.addAll(template.stopStrings());
        } else {
            String prompt = f.prompt();
            synchronized (llm.tokenizer()) {
                ids = llm.tokenizer().encode(prompt);
            }
        }
        int context = llm.config().maxPositions();
        f.integer("n", 1, 1); // one choice per request
        Long maxTokens = f.integer(chat && f.get("max_completion_tokens") != null ? "max_completion_tokens"
                : "max_tokens", 0, Integer.MAX_VALUE);
        // OpenAI's defaults: 16 new tokens for completions, up to the context for chat.
        long budget = maxTokens != null ? maxTokens : chat ? Math.max(0, context - ids.length) : 16;
        if (ids.length + budget > context) {
            throw new ApiException(400, "invalid_request_error", "max_tokens", "context_length_exceeded",
                    "This model's maximum context length is " + context + " tokens. However, you requested "
                            + (ids.length + budget) + " tokens (" + ids.length + " in the "
                            + (chat ? "messages" : "prompt") + ", " + budget + " in the completion)."
                            + " Please reduce the length of the " + (chat ? "messages" : "prompt")
                            + " or of max_tokens.");
        }
        Long seed = f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        GenerationConfig config = GenerationConfig.builder()
                .optMaxNewTokens((int) budget)
                .optTemperature(f.number("temperature", 1, 0, 2))
                .optTopP(f.number("top_p", 1, Double.MIN_VALUE, 1))
                .optSeed(seed != null ? seed : SEEDS.nextLong())
                .optStopStrings(stops)
                .optIgnoreEos(f.bool("ignore_eos", false)) // vLLM's extension, for load tests of fixed length
                .optPresencePenalty(f.number("presence_penalty", 0, -2, 2))
                .optFrequencyPenalty(f.number("frequency_penalty", 0, -2, 2))
                .build();
        boolean logprobs;
        long top;
        if (chat) {
            logprobs = f.bool("logprobs", false);
            Long asked = f.integer("top_logprobs", 0, MAX_TOP_LOGPROBS);
            top = asked == null ? 0 : asked;
            if (top > 0 && !logprobs) {
                throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            }
        } else {
            Long asked = f.integer("logprobs", 0, MAX_COMPLETION_LOGPROBS);
            logprobs = asked != null;
            top = logprobs ? asked : 0;
        }
        boolean stream = f.bool("stream", false);
        boolean usage = false;
        JsonElement options = f.get("stream_options");
        if (options != null) {
            if (!options.isJsonObject()) {
                throw ApiException.invalid("stream_options", "'stream_options' must be an object, not " + options);
            }
            JsonElement include = options.getAsJsonObject().get("include_usage");
            if (include != null && !include.isJsonNull()) {
                if (!include.isJsonPrimitive() || !include.getAsJsonPrimitive().isBoolean()) {
                    throw ApiException.invalid("stream_options.include_usage", "'include_usage' must be a boolean");
                }
                usage = include.getAsBoolean();
            }
        }
        return new CompletionJob(chat, ids, config, stream, logprobs, (int) top, usage);
    }

    /** The {@code messages} array: roles system (or developer), user and assistant; content a string or text parts. */
    private static List<ChatMessage> messages(RequestFields f) throws ApiException {
        JsonArray array = f.array("messages");
        if (array.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must hold at least one message");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String where = "messages[" + i + "]";
            if (!array.get(i).isJsonObject()) {
                throw ApiException.invalid(where, "'" + where + "' must be an object");
            }
            JsonObject m = array.get(i).getAsJsonObject();
            JsonElement role = m.get("role");
            if (role == null || !RequestFields.isString(role)) {
                throw ApiException.invalid(where + ".role", "'" + where + ".role' must be a string");
            }
            String r = role.getAsString().equals("developer") ? ChatMessage.SYSTEM : role.getAsString();
            if (!ChatMessage.ROLES.contains(r)) {
                throw ApiException.invalid(where + ".role", "'" + where + ".role' must be one of system, developer,"
                        + " user or assistant, not '" + role.getAsString() + "'");
            }
            out.add(new ChatMessage(r, content(m.get("content"), where + ".content")));
        }
        return out;
    }

    private static String content(JsonElement content, String where) throws ApiException {
        if (content == null || content.isJsonNull()) {
            return "";
        }
        if (RequestFields.isString(content)) {
            return content.getAsString();
        }
        if (content.isJsonArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonElement part : content.getAsJsonArray()) {
                JsonElement t = part.isJsonObject() ? part.getAsJsonObject().get("text") : null;
                if (t == null || !RequestFields.isString(t)) {
                    throw ApiException.invalid(where, "'" + where + "' parts must be text parts ({\"type\": \"text\","
                            + " \"text\": ...})");
                }
                text.append(t.getAsString());
            }
            return text.toString();
        }
        throw ApiException.invalid(where, "'" + where + "' must be a string or an array of text parts");
    }
}
