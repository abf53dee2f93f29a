package io.github.tinyllama.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.tokenizer.ChatMessage;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One fine-tuning example from a JSON Lines file: a conversation, or plain text.
 *
 * <p>Each line holds one object in one of three shapes:
 * <ul>
 *   <li>{@code {"messages": [{"role": "system", "content": ...}, {"role": "user", ...}, {"role": "assistant", ...}]}}
 *       (the system message optional, and only first);</li>
 *   <li>{@code {"prompt": ..., "response": ..., "system": ...}} (the system prompt optional): one user
 *       message and the assistant's reply;</li>
 *   <li>{@code {"text": ...}}: text trained on as a whole, with no chat template.</li>
 * </ul>
 *
 * @param file the file the example came from
 * @param line its 1-based line
 * @param messages the conversation, or {@code null} for a text example
 * @param text the text of a text example, or {@code null} for a conversation
 */
public record ChatRecord(Path file, long line, List<ChatMessage> messages, String text) {

    /** Whether this example is a conversation (else plain text). */
    public boolean isConversation() {
        return messages != null;
    }

    /**
     * Reads every example of a JSON Lines file; blank lines are skipped.
     *
     * @param file the file
     * @return the examples in file order
     * @throws MalformedDocumentException naming the file and line of the first record that is not one of the shapes
     * @throws IOException if the file cannot be read
     */
    public static List<ChatRecord> readAll(Path file) throws IOException {
        List<ChatRecord> records = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (!line.isBlank()) {
                    records.add(parse(file, number, line));
                }
            }
        }
        if (records.isEmpty()) {
            throw new MalformedDocumentException(file, 1, "no examples: the file has no JSON lines");
        }
        return records;
    }

    private static ChatRecord parse(Path file, long line, String json) throws MalformedDocumentException {
        JsonObject object;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                throw new MalformedDocumentException(file, line, "not a JSON object");
            }
            object = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new MalformedDocumentException(file, line, "invalid JSON (" + e.getMessage() + ")");
        }
        try {
            if (object.has("messages")) {
                return new ChatRecord(file, line, messages(object.get("messages")), null);
            }
            if (object.has("prompt") || object.has("response")) {
                List<ChatMessage> messages = new ArrayList<>();
                if (object.has("system")) {
                    messages.add(ChatMessage.system(string(object, "system")));
                }
                messages.add(ChatMessage.user(string(object, "prompt")));
                messages.add(ChatMessage.assistant(string(object, "response")));
                return new ChatRecord(file, line, List.copyOf(messages), null);
            }
            if (object.has("text")) {
                return new ChatRecord(file, line, null, string(object, "text"));
            }
        } catch (IllegalArgumentException e) {
            throw new MalformedDocumentException(file, line, e.getMessage());
        }
        throw new MalformedDocumentException(file, line,
                "expected \"messages\", \"prompt\" and \"response\", or \"text\"");
    }

    private static List<ChatMessage> messages(JsonElement value) {
        if (!value.isJsonArray() || value.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException("\"messages\" must be a non-empty array");
        }
        JsonArray array = value.getAsJsonArray();
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!array.get(i).isJsonObject()) {
                throw new IllegalArgumentException("message " + i + " is not an object");
            }
            JsonObject message = array.get(i).getAsJsonObject();
            ChatMessage parsed = new ChatMessage(string(message, "role"), string(message, "content"));
            if (parsed.isSystem() && i > 0) {
                throw new IllegalArgumentException("message " + i + " is a system message: only the first may be");
            }
            messages.add(parsed);
        }
        if (messages.stream().noneMatch(ChatMessage::isAssistant)) {
            throw new IllegalArgumentException("the conversation has no assistant message to learn from");
        }
        ChatMessage first = messages.get(messages.get(0).isSystem() ? Math.min(1, messages.size() - 1) : 0);
        if (!first.isUser()) {
            throw new IllegalArgumentException("the conversation must start with a user message (after an optional"
                    + " system message), as chat prompts do");
        }
        return List.copyOf(messages);
    }

    private static String string(JsonObject object, String field) {
        JsonElement value = object.get(field);
        if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return value.getAsString();
    }
}
