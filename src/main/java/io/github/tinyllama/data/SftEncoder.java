package io.github.tinyllama.data;

import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Turns {@link ChatRecord}s into {@link SftExample}s the way inference will see them.
 *
 * <p>A conversation is rendered with the chat template and encoded with BOS, as {@code Chat} encodes
 * its prompts. Each assistant reply is trained on from the end of its prompt (exactly the ids
 * inference encodes for {@code template.render(earlier messages, true)}) through the template's
 * {@link ChatTemplate#assistantTerminator() terminator}, so the model learns to stop: {@code </s>}
 * (EOS) for Zephyr, {@code <|im_end|>} for ChatML. Where the template renders no terminator after a
 * reply (guanaco, none), EOS is appended after the last reply, as TinyLlama's SFT appended it to every
 * target; earlier guanaco replies run into the next {@code ### Human:} as in its data.
 *
 * <p>Text examples are encoded with BOS, EOS appended, and trained on as a whole. With
 * {@code trainOnPrompt} every token of a conversation counts, not only the replies.
 *
 * <p>Examples longer than {@code maxSeqLen + 1} ids are cut to that length and flagged.
 */
public final class SftEncoder {

    private final LlamaTokenizer tokenizer;
    private final ChatTemplate template;
    private final int maxSeqLen;
    private final boolean trainOnPrompt;
    private final String eosText;

    /**
     * @param tokenizer the model's tokenizer
     * @param template how conversations are written
     * @param maxSeqLen the longest input (an example keeps at most {@code maxSeqLen + 1} ids)
     * @param trainOnPrompt whether every token of a conversation counts, not only the replies
     */
    public SftEncoder(LlamaTokenizer tokenizer, ChatTemplate template, int maxSeqLen, boolean trainOnPrompt) {
        if (maxSeqLen < 1) {
            throw new IllegalArgumentException("max-seq-len must be at least 1, found " + maxSeqLen);
        }
        this.tokenizer = tokenizer;
        this.template = template;
        this.maxSeqLen = maxSeqLen;
        this.trainOnPrompt = trainOnPrompt;
        this.eosText = tokenizer.tokenText(tokenizer.eosId());
    }

    /**
     * Encodes one example.
     *
     * @param record the example
     * @return its tokens and loss mask, cut to the maximum length when longer
     * @throws IllegalArgumentException if the template's rendering of a
     *     reply does not tokenise as a continuation of its prompt (training would then not match inference)
     */
    public SftExample encode(ChatRecord record) {
        long[] ids;
        boolean[] trained;
        if (record.isConversation()) {
            List<ChatMessage> messages = record.messages();
            ids = tokenizer.encode(fullText(messages));
            trained = new boolean[ids.length];
            for (int k = 0; k < messages.size(); k++) {
                if (messages.get(k).isAssistant()) {
                    markReply(messages, k, ids, trained);
                }
            }
            if (trainOnPrompt) {
                Arrays.fill(trained, 1, trained.length, true);
            }
        } else {
            long[] text = tokenizer.encode(record.text());
            ids = Arrays.copyOf(text, text.length + 1);
            ids[text.length] = tokenizer.eosId();
            trained = new boolean[ids.length];
            Arrays.fill(trained, 1, trained.length, true);
        }
        boolean truncated = ids.length > maxSeqLen + 1;
        if (truncated) {
            ids = Arrays.copyOf(ids, maxSeqLen + 1);
            trained = Arrays.copyOf(trained, maxSeqLen + 1);
        }
        return new SftExample(ids, trained, truncated);
    }

    /** The whole conversation, with EOS after a last reply that the template ends with nothing. */
    private String fullText(List<ChatMessage> messages) {
        String text = template.render(messages, false);
        return messages.get(messages.size() - 1).isAssistant() && !endsWithTerminator(text) ? text + eosText : text;
    }

    private void markReply(List<ChatMessage> messages, int k, long[] ids, boolean[] trained) {
        List<ChatMessage> before = messages.subList(0, k);
        String prompt = template.render(before, true);
        long[] promptIds = tokenizer.encode(prompt);
        long[] throughReply = tokenizer.encode(prompt + reply(messages, k));
        if (!startsWith(ids, promptIds) || !startsWith(ids, throughReply)) {
            throw new IllegalArgumentException("message " + k + " does not tokenise as a"
                    + " continuation of its prompt under the " + template.id() + " template, so training would not"
                    + " match inference; check for unusual whitespace around the message");
        }
        Arrays.fill(trained, promptIds.length, throughReply.length, true);
    }

    /**
     * The text the model should generate for reply {@code k}: the reply through its terminator, or
     * through the appended EOS for a last reply the template ends with nothing.
     */
    private String reply(List<ChatMessage> messages, int k) {
        String delta = template.renderDelta(messages.subList(0, k + 1), k, true, false);
        String terminator = template.assistantTerminator();
        int at = terminator.isEmpty() ? -1 : delta.lastIndexOf(terminator);
        if (at >= 0 && delta.substring(at + terminator.length()).isBlank()) {
            return delta.substring(0, at + terminator.length());
        }
        return k == messages.size() - 1 ? delta + eosText : delta;
    }

    private boolean endsWithTerminator(String text) {
        String terminator = template.assistantTerminator();
        return !terminator.isEmpty() && text.stripTrailing().endsWith(terminator);
    }

    private static boolean startsWith(long[] ids, long[] prefix) {
        return prefix.length <= ids.length && Arrays.equals(ids, 0, prefix.length, prefix, 0, prefix.length);
    }
}
