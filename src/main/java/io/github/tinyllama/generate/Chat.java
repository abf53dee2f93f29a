package io.github.tinyllama.generate;

import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A conversation with a chat model: messages rendered with the model's chat template, replies
 * generated in one {@link Session} so each turn runs only its new tokens through the model.
 *
 * <pre>{@code
 * try (Chat chat = Chat.start(llm, ChatTemplate.ZEPHYR, "You are a helpful assistant.", config)) {
 *     chat.say("What is the capital of France?", System.out::print);
 * }
 * }</pre>
 *
 * <p>Each turn renders the whole conversation and tokenises it again; the session reuses the
 * cached keys and values of the longest prefix that did not change, which is every earlier turn.
 * Generation stops on end-of-sequence and on the template's turn markers.
 */
public final class Chat implements AutoCloseable {

    private final TinyLlama llm;
    private final ChatTemplate template;
    private final GenerationConfig config;
    private final Session session;
    private final List<ChatMessage> history = new ArrayList<>();

    private Chat(TinyLlama llm, ChatTemplate template, GenerationConfig config) {
        this.llm = llm;
        this.template = template;
        this.config = config.withMoreStopStrings(template.stopStrings());
        this.session = llm.languageModel().newSession(llm.config().maxPositions());
    }

    /**
     * Starts a conversation.
     *
     * @param llm the model
     * @param template how the model expects conversations to be written
     * @param systemPrompt the system message, or {@code null} for none
     * @param config generation settings for every reply (the template's stop strings are added)
     * @return the conversation; close it to free its cache
     */
    public static Chat start(TinyLlama llm, ChatTemplate template, String systemPrompt, GenerationConfig config) {
        Chat chat = new Chat(llm, template, config);
        if (systemPrompt != null && !systemPrompt.isEmpty()) {
            chat.history.add(ChatMessage.system(systemPrompt));
        }
        return chat;
    }

    /**
     * Adds a user message and generates the assistant's reply, which joins the history.
     *
     * @param userMessage what the user says
     * @param onText receives the reply as it is generated
     * @return the reply's tokens, text and timings
     * @throws IllegalArgumentException if the conversation no longer fits the model's context
     */
    public GenerationResult say(String userMessage, Consumer<String> onText) {
        history.add(ChatMessage.user(userMessage));
        long[] ids = llm.tokenizer().encode(template.render(history, true));
        GenerationResult reply;
        try {
            reply = llm.generate(session, ids, config, onText);
        } catch (IllegalArgumentException e) {
            history.remove(history.size() - 1);
            throw new IllegalArgumentException("the conversation no longer fits the model's context ("
                    + llm.config().maxPositions() + " tokens): start a new chat", e);
        }
        history.add(ChatMessage.assistant(reply.text().strip()));
        return reply;
    }

    /** The conversation so far, including the system message. */
    public List<ChatMessage> history() {
        return List.copyOf(history);
    }

    /** Number of tokens whose keys and values the session holds. */
    public int cachedTokens() {
        return session.cachedTokens().length;
    }

    @Override
    public void close() {
        session.close();
    }
}
