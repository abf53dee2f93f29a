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
    private int dropped;

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
     * <p>When the conversation no longer leaves room for a reply (of the config's token budget, or half the
     * context if that is less), the oldest messages after the system message are dropped, a user message with
     * its reply at a time, until it does; {@link #droppedMessages()} counts them.
     *
     * @param userMessage what the user says
     * @param onText receives the reply as it is generated
     * @return the reply's tokens, text and timings
     * @throws IllegalArgumentException if this message alone (with the system message) leaves no room for a
     *     reply; the conversation is then as it was before the call
     */
    public GenerationResult say(String userMessage, Consumer<String> onText) {
        history.add(ChatMessage.user(userMessage));
        long[] ids = fittedPrompt();
        GenerationResult reply = llm.generate(session, ids, config, onText);
        history.add(ChatMessage.assistant(reply.text().strip()));
        return reply;
    }

    /**
     * The rendered conversation, after dropping its oldest turns until a reply fits the context.
     *
     * @throws IllegalArgumentException if the newest message alone leaves no room
     */
    private long[] fittedPrompt() {
        int context = llm.config().maxPositions();
        int room = Math.max(1, Math.min(config.maxNewTokens(), context / 2));
        int first = !history.isEmpty() && history.get(0).role().equals(ChatMessage.SYSTEM) ? 1 : 0;
        while (true) {
            long[] ids = llm.tokenizer().encode(template.render(history, true));
            if (ids.length + room <= context) {
                return ids;
            }
            if (history.size() - first <= 1) {
                history.remove(history.size() - 1);
                throw new IllegalArgumentException("the message is too long: with the system message it takes "
                        + ids.length + " tokens, and the model's context of " + context + " must also hold a reply of "
                        + room + "; the message was not added");
            }
            // One turn at a time (a user message and its reply), so the history still alternates.
            int drop = history.size() - first >= 3 ? 2 : 1;
            for (int i = 0; i < drop; i++) {
                history.remove(first);
            }
            dropped += drop;
        }
    }

    /** Messages dropped so far, oldest first, to keep the conversation within the model's context. */
    public int droppedMessages() {
        return dropped;
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
