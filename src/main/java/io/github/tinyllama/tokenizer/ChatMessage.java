/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation, as Hugging Face chat templates see it: a role and its text.
 *
 * @param role {@code "system"}, {@code "user"} or {@code "assistant"} (exactly, lower case)
 * @param content the text of the turn, used as is (not trimmed)
 */
public record ChatMessage(String role, String content) {

    /** Role of the instructions that may open a conversation. */
    public static final String SYSTEM = "system";
    /** Role of the person chatting. */
    public static final String USER = "user";
    /** Role of the model. */
    public static final String ASSISTANT = "assistant";

    /** The roles a message may have. */
    public static final List<String> ROLES = List.of(SYSTEM, USER, ASSISTANT);

    /**
     * Checks the fields.
     *
     * @throws NullPointerException if a field is null
     * @throws IllegalArgumentException if the role is not one of {@link #ROLES}
     */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("Unknown chat role '" + role + "': expected one of "
                    + String.join(", ", ROLES));
        }
    }

    /** Returns a system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage(SYSTEM, content);
    }

    /** Returns a user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage(USER, content);
    }

    /** Returns an assistant message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage(ASSISTANT, content);
    }

    /** Whether this is a system message. */
    public boolean isSystem() {
        return SYSTEM.equals(role);
    }

    /** Whether this is a user message. */
    public boolean isUser() {
        return USER.equals(role);
    }

    /** Whether this is an assistant message. */
    public boolean isAssistant() {
        return ASSISTANT.equals(role);
    }
}
