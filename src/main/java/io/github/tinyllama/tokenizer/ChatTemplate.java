/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.util.FileErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The prompt formats of TinyLlama's chat models, rendered in Java with exactly the text Hugging Face's
 * {@code apply_chat_template(..., tokenize=False)} produces, so no Jinja engine is needed.
 *
 * <ul>
 *   <li>{@link #ZEPHYR}: Chat v0.6 and v1.0.</li>
 *   <li>{@link #CHATML}: Chat v0.2 to v0.4 (v0.4 not verified).</li>
 *   <li>{@link #GUANACO}: Chat v0.1.</li>
 *   <li>{@link #NONE}: base models; the contents are concatenated.</li>
 * </ul>
 *
 * <p>Renderings contain no {@code <s>}: BOS is added when the text is encoded, as in the model cards.
 * They do contain the literal {@code </s>} (Zephyr), which {@link LlamaTokenizer#encode(String)} maps to
 * the EOS id. The Zephyr tags and the guanaco markers are plain text for the tokenizer; the ChatML
 * markers are added tokens in the v0.2/v0.3 vocabularies (ids 32001 and 32002 of 32003).
 *
 * <p>Renderings are incremental: the text of a conversation is the text of a shorter prefix of it
 * followed by {@link #renderDelta(List, int, boolean, boolean)}, so a chat session whose model keeps
 * its KV cache between turns can feed it only the text of the new turns.
 */
public enum ChatTemplate {

    /**
     * The Zephyr format of Chat v0.6 and v1.0: every message is {@code <|role|>\n{content}</s>\n} and
     * the generation prompt is {@code <|assistant|>\n}, as {@link #ZEPHYR_JINJA} renders under
     * Hugging Face's {@code trim_blocks} and {@code lstrip_blocks}.
     */
    ZEPHYR("zephyr", "</s>", List.of("</s>", "<|user|>", "<|system|>", "<|assistant|>")) {
        @Override
        String segment(ChatMessage previous, ChatMessage message) {
            return "<|" + message.role() + "|>\n" + message.content() + "</s>\n";
        }

        @Override
        String generationPrompt(ChatMessage last) {
            return "<|assistant|>\n";
        }
    },

    /**
     * ChatML as in {@code sft/simple_inference2.py} and the oasst_top1 data of Chat v0.2/v0.3: every
     * message is {@code <|im_start|>{role}\n{content}<|im_end|>\n} and the generation prompt is
     * {@code <|im_start|>assistant\n}, as {@link #CHATML_JINJA} renders. A system message takes the
     * same form with role {@code system}, as in standard ChatML; the SFT data had none.
     */
    CHATML("chatml", "<|im_end|>", List.of("<|im_end|>", "<|im_start|>")) {
        @Override
        String segment(ChatMessage previous, ChatMessage message) {
            return "<|im_start|>" + message.role() + "\n" + message.content() + "<|im_end|>\n";
        }

        @Override
        String generationPrompt(ChatMessage last) {
            return "<|im_start|>assistant\n";
        }
    },

    /**
     * The guanaco format of Chat v0.1. A single turn renders as {@code ### Human: {prompt} ### Assistant:},
     * the prompt of {@code sft/simple_inference.py}. Further turns follow the SFT data
     * ({@code timdettmers/openassistant-guanaco}), where the next {@code ### Human: } comes right after
     * the assistant's text, with no separator and no {@code </s>}:
     * {@code ### Human: a ### Assistant: b### Human: c ### Assistant:}. An assistant message is
     * {@code ### Assistant: } and its text (the model generates the space). A system message, which
     * v0.1 never saw, is put first as plain text followed by a newline.
     */
    GUANACO("guanaco", "</s>", List.of("### Human:", "### Assistant:")) {
        @Override
        String segment(ChatMessage previous, ChatMessage message) {
            switch (message.role()) {
                case ChatMessage.SYSTEM:
                    return message.content() + "\n";
                case ChatMessage.USER:
                    return separator(previous) + "### Human: " + message.content();
                default:
                    return separator(previous) + "### Assistant: " + message.content();
            }
        }

        @Override
        String generationPrompt(ChatMessage last) {
            return separator(last) + "### Assistant:";
        }

        /** A space after the human's text, as in simple_inference.py; nothing after other turns. */
        private String separator(ChatMessage previous) {
            return previous != null && previous.isUser() ? " " : "";
        }
    },

    /** No format, for base models: the contents are concatenated as they are; no generation prompt. */
    NONE("none", "", List.of()) {
        @Override
        String segment(ChatMessage previous, ChatMessage message) {
            return message.content();
        }

        @Override
        String generationPrompt(ChatMessage last) {
            return "";
        }
    };

    /**
     * The {@code chat_template} of TinyLlama Chat v1.0 (and v0.6), as in its {@code tokenizer_config.json}:
     * the line breaks are real newlines, the {@code \n} inside the quoted strings are Jinja escapes
     * (backslash, n).
     */
    public static final String ZEPHYR_JINJA = """
            {% for message in messages %}
            {% if message['role'] == 'user' %}
            {{ '<|user|>\\n' + message['content'] + eos_token }}
            {% elif message['role'] == 'system' %}
            {{ '<|system|>\\n' + message['content'] + eos_token }}
            {% elif message['role'] == 'assistant' %}
            {{ '<|assistant|>\\n'  + message['content'] + eos_token }}
            {% endif %}
            {% if loop.last and add_generation_prompt %}
            {{ '<|assistant|>' }}
            {% endif %}
            {% endfor %}""";

    /** The standard ChatML {@code chat_template}, as in the Hugging Face chat-template documentation. */
    public static final String CHATML_JINJA = "{% for message in messages %}{{'<|im_start|>' + message['role']"
            + " + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Another common spelling of ChatML that renders the same. */
    private static final String CHATML_JINJA_GUARDED = "{% if not add_generation_prompt is defined %}"
            + "{% set add_generation_prompt = false %}{% endif %}" + CHATML_JINJA;

    private final String id;
    private final String assistantTerminator;
    private final List<String> stopStrings;

    ChatTemplate(String id, String assistantTerminator, List<String> stopStrings) {
        this.id = id;
        this.assistantTerminator = assistantTerminator;
        this.stopStrings = stopStrings;
    }

    /** The text of one message, given the message before it (null for the first). */
    abstract String segment(ChatMessage previous, ChatMessage message);

    /** The text that asks the model for the assistant's next reply, after the given last message. */
    abstract String generationPrompt(ChatMessage last);

    /** Returns the name {@link #named(String)} accepts: {@code zephyr}, {@code chatml}, {@code guanaco} or {@code none}. */
    public String id() {
        return id;
    }

    /**
     * Returns the turn markers of this format, at which generated text should be cut: a model that
     * goes on past the end of its reply writes one of these next. Empty for {@link #NONE}.
     */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /**
     * Returns the text that ends an assistant reply, which a model trained on this format generates
     * right after the reply and which a fine-tuning target should therefore include: {@code </s>} for
     * Zephyr, {@code <|im_end|>} for ChatML, {@code </s>} for guanaco (as {@code sft/finetune.py} appended
     * it to every target), and nothing for {@link #NONE}.
     *
     * <p>Zephyr and ChatML renderings contain it after every assistant message (followed by a newline).
     * Guanaco renderings do not: in the v0.1 SFT data the {@code </s>} came only once, after the last
     * reply of a conversation, and earlier replies ran straight into the next {@code ### Human:}.
     */
    public String assistantTerminator() {
        return assistantTerminator;
    }

    /** Returns the Jinja {@code chat_template} that renders like this format, if one is known. */
    public Optional<String> jinjaTemplate() {
        switch (this) {
            case ZEPHYR:
                return Optional.of(ZEPHYR_JINJA);
            case CHATML:
                return Optional.of(CHATML_JINJA);
            default:
                return Optional.empty();
        }
    }

    /**
     * Renders a conversation.
     *
     * @param messages the conversation: at least one message, a system message only first
     * @param addGenerationPrompt whether to end with the text that starts the assistant's reply
     * @return the prompt text, without {@code <s>}
     * @throws IllegalArgumentException if the conversation is empty or has a system message after the start
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return renderDelta(messages, 0, false, addGenerationPrompt);
    }

    /**
     * Renders the newest turns of a conversation whose start was rendered before:
     * {@code render(messages.subList(0, previousCount), previousGenerationPrompt)} followed by the
     * returned text is exactly {@code render(messages, addGenerationPrompt)}.
     *
     * <p>A chat session rendering each prompt with the generation prompt passes {@code true} for both.
     * Once the model has replied, the delta after the assistant's message starts with the reply
     * itself; a session whose KV cache already holds the generated tokens skips them (and, for
     * Zephyr and ChatML, the {@link #assistantTerminator()} if the model generated it).
     *
     * <p>Encoding a delta on its own does not always give the ids it has inside the whole prompt:
     * SentencePiece adds a dummy-prefix space ({@code ▁}) to the start of every text it encodes. Text
     * that starts with a special token is safe, so for Zephyr cut the delta after a reply at its
     * {@code </s>} and encode from there (without BOS); the ids then equal the tail of the whole
     * prompt's ids ({@code ChatTemplateTokenizationTest} checks this with the real tokenizer).
     *
     * @param messages the whole conversation, as for {@link #render(List, boolean)}
     * @param previousCount how many messages were rendered before, 0 to {@code messages.size()}; 0 means
     *     nothing was, and the delta is the whole rendering
     * @param previousGenerationPrompt whether that rendering ended with the generation prompt; ignored
     *     when {@code previousCount} is 0
     * @param addGenerationPrompt whether the new rendering ends with the generation prompt
     * @return the text added to the previous rendering
     * @throws IllegalArgumentException if the conversation is invalid, {@code previousCount} is out of
     *     range, or the previous rendering is no prefix of the new one: it ended with the generation
     *     prompt and the next message is not the assistant's, or the new rendering drops that prompt
     */
    public String renderDelta(List<ChatMessage> messages, int previousCount, boolean previousGenerationPrompt,
            boolean addGenerationPrompt) {
        validate(messages);
        int size = messages.size();
        if (previousCount < 0 || previousCount > size) {
            throw new IllegalArgumentException("previousCount " + previousCount + " is out of range: the conversation has "
                    + size + " message" + (size == 1 ? "" : "s"));
        }
        StringBuilder out = new StringBuilder();
        int next = previousCount;
        if (previousCount > 0 && previousGenerationPrompt) {
            ChatMessage last = messages.get(previousCount - 1);
            String pending = generationPrompt(last);
            if (previousCount == size) {
                if (!addGenerationPrompt && !pending.isEmpty()) {
                    throw new IllegalArgumentException("The previous rendering ended with the generation prompt,"
                            + " which a rendering without it cannot extend");
                }
                return "";
            }
            ChatMessage following = messages.get(previousCount);
            String text = segment(last, following);
            if (!text.startsWith(pending)) {
                throw new IllegalArgumentException("The previous rendering ended with the generation prompt, so"
                        + " message " + previousCount + " must be the assistant's reply, not a " + following.role()
                        + " message");
            }
            out.append(text, pending.length(), text.length());
            next++;
        }
        for (int i = next; i < size; i++) {
            out.append(segment(i == 0 ? null : messages.get(i - 1), messages.get(i)));
        }
        if (addGenerationPrompt) {
            out.append(generationPrompt(messages.get(size - 1)));
        }
        return out.toString();
    }

    /**
     * The common case of {@link #renderDelta(List, int, boolean, boolean)}: both renderings end with
     * the generation prompt.
     *
     * @param messages the whole conversation
     * @param previousCount how many messages were rendered before (0 for none)
     * @return the text to append to the previous prompt
     * @throws IllegalArgumentException as for {@link #renderDelta(List, int, boolean, boolean)}
     */
    public String renderDelta(List<ChatMessage> messages, int previousCount) {
        return renderDelta(messages, previousCount, true, true);
    }

    private static void validate(List<ChatMessage> messages) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("A conversation needs at least one message");
        }
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            if (message == null) {
                throw new IllegalArgumentException("Message " + i + " is null");
            }
            if (!ChatMessage.ROLES.contains(message.role())) {
                // Unreachable through ChatMessage's constructor; kept for clarity.
                throw new IllegalArgumentException("Message " + i + " has unknown role '" + message.role() + "'");
            }
            if (i > 0 && message.isSystem()) {
                throw new IllegalArgumentException("Message " + i + " is a system message: a system message"
                        + " may only come first");
            }
        }
    }

    /**
     * Returns a format by name.
     *
     * @param name {@code zephyr}, {@code chatml}, {@code guanaco} or {@code none} (any case)
     * @return the format
     * @throws IllegalArgumentException for any other name
     */
    public static ChatTemplate named(String name) {
        if (name != null) {
            String wanted = name.trim().toLowerCase(Locale.ROOT);
            for (ChatTemplate template : values()) {
                if (template.id.equals(wanted)) {
                    return template;
                }
            }
        }
        throw new IllegalArgumentException("Unknown chat template '" + name + "': expected one of "
                + Arrays.stream(values()).map(ChatTemplate::id).collect(Collectors.joining(", ")));
    }

    /**
     * Finds the format a model directory's {@code tokenizer_config.json} declares in its
     * {@code chat_template}, a string or (newer files) a list of named templates, of which the one
     * named {@code default} counts.
     *
     * @param modelDir a model directory
     * @return the matching format; empty if there is no file, no template, or a template that is not
     *     {@link #ZEPHYR_JINJA} or {@link #CHATML_JINJA} up to whitespace
     * @throws IOException if the file cannot be read or is not a JSON object
     */
    public static Optional<ChatTemplate> detect(Path modelDir) throws IOException {
        Path file = modelDir.resolve(SentencePieceConverter.TOKENIZER_CONFIG_JSON);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonObject config;
        try {
            JsonElement root = JsonParser.parseString(FileErrors.readString(file));
            if (!root.isJsonObject()) {
                throw new IOException(file + ": not a valid tokenizer configuration (not a JSON object)");
            }
            config = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(file + ": not a valid tokenizer configuration (" + e.getMessage() + ")", e);
        }
        String template = templateText(config.get("chat_template"));
        return template == null ? Optional.empty() : matchJinja(template);
    }

    private static String templateText(JsonElement value) {
        if (value == null) {
            return null;
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return value.getAsString();
        }
        if (value.isJsonArray()) {
            for (JsonElement entry : value.getAsJsonArray()) {
                if (entry.isJsonObject()) {
                    JsonObject named = entry.getAsJsonObject();
                    JsonElement name = named.get("name");
                    if (name != null && name.isJsonPrimitive() && "default".equals(name.getAsString())) {
                        return templateText(named.get("template"));
                    }
                }
            }
        }
        return null;
    }

    /**
     * Returns the format a Jinja chat template renders, when it is one of the known templates up to
     * whitespace (runs of whitespace count as one space; leading and trailing whitespace is ignored).
     *
     * @param jinja a {@code chat_template} text
     * @return the format, or empty when the template is unknown
     */
    public static Optional<ChatTemplate> matchJinja(String jinja) {
        String normalised = normaliseWhitespace(jinja);
        if (normalised.equals(normaliseWhitespace(ZEPHYR_JINJA))) {
            return Optional.of(ZEPHYR);
        }
        if (normalised.equals(normaliseWhitespace(CHATML_JINJA))
                || normalised.equals(normaliseWhitespace(CHATML_JINJA_GUARDED))) {
            return Optional.of(CHATML);
        }
        return Optional.empty();
    }

    private static String normaliseWhitespace(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
