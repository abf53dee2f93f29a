package io.github.tinyllama.zoo;

import io.github.tinyllama.tokenizer.ChatMessage;

import java.util.List;

/**
 * A chat predictor's input: the messages so far; the output is the assistant's next reply.
 *
 * @param messages system (optional, first), user and assistant messages in order
 */
public record Conversation(List<ChatMessage> messages) {

    /** Copies the list. */
    public Conversation {
        messages = List.copyOf(messages);
    }

    /** A conversation of the given messages. */
    public static Conversation of(ChatMessage... messages) {
        return new Conversation(List.of(messages));
    }
}
