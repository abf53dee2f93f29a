package io.github.tinyllama.tokenizer;

import static io.github.tinyllama.tokenizer.ChatMessage.assistant;
import static io.github.tinyllama.tokenizer.ChatMessage.system;
import static io.github.tinyllama.tokenizer.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.testing.SharedTokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rendered prompts through the real Llama-2 tokenizer; skipped when {@code ../shared/llama2/tokenizer.model} is absent. */
class ChatTemplateTokenizationTest {

    private static final String PIRATE = "You are a friendly chatbot who always responds in the style of a pirate";
    private static final String HELICOPTERS = "How many helicopters can a human eat in one sitting?";

    /** {@code <|user|>} and friends, as the five plain pieces the Llama-2 vocabulary has for them. */
    private static final long[] SYSTEM_TAG_AT_START = {529, 29989, 5205, 29989, 29958};
    private static final long[] USER_TAG = {29966, 29989, 1792, 29989, 29958};
    private static final long[] ASSISTANT_TAG = {29966, 29989, 465, 22137, 29989, 29958};
    private static final long NEWLINE = 13;

    @Test
    void zephyrPromptHasEosAtTheEndOfEachTurnAndTheTagsAsText() throws IOException {
        LlamaTokenizer tokenizer = SharedTokenizer.tokenizer();
        String prompt = ChatTemplate.ZEPHYR.render(List.of(system(PIRATE), user(HELICOPTERS)), true);
        long[] ids = tokenizer.encode(prompt);

        assertEquals(1, ids[0], "BOS first");
        List<Integer> eos = positions(ids, 2);
        assertEquals(2, eos.size(), () -> Arrays.toString(ids));
        // Everything else is ordinary text: no other special or unknown token.
        for (int i = 1; i < ids.length; i++) {
            assertTrue(ids[i] > 2 || eos.contains(i), "special id " + ids[i] + " at " + i);
        }
        // Each </s> ends a turn: the text before it is the whole turn, and a newline follows it.
        assertEquals("<|system|>\n" + PIRATE, tokenizer.decode(Arrays.copyOfRange(ids, 1, eos.get(0))));
        assertEquals("\n<|user|>\n" + HELICOPTERS, tokenizer.decode(Arrays.copyOfRange(ids, eos.get(0) + 1, eos.get(1))));
        assertEquals("\n<|assistant|>\n", tokenizer.decode(Arrays.copyOfRange(ids, eos.get(1) + 1, ids.length)));

        // The tags are plain text pieces, as in HF ("▁<" at the start, "<" after a newline).
        assertArrayEquals(SYSTEM_TAG_AT_START, Arrays.copyOfRange(ids, 1, 6));
        assertEquals(NEWLINE, ids[6]);
        assertEquals(NEWLINE, ids[eos.get(0) + 1]);
        assertArrayEquals(USER_TAG, Arrays.copyOfRange(ids, eos.get(0) + 2, eos.get(0) + 7));
        assertEquals(NEWLINE, ids[eos.get(1) + 1]);
        assertArrayEquals(ASSISTANT_TAG, Arrays.copyOfRange(ids, eos.get(1) + 2, eos.get(1) + 8));
        assertEquals(NEWLINE, ids[ids.length - 1]);
        assertEquals(eos.get(1) + 9, ids.length);

        // The round trip with special tokens kept gives the prompt back behind "<s> ".
        assertEquals("<s> " + prompt, tokenizer.decode(ids, false));
    }

    /**
     * What a KV-cached chat session can rely on: in Zephyr, text that starts with {@code </s>} encodes to
     * the same ids it has inside the whole prompt, so the delta after a reply, cut at its {@code </s>},
     * can be encoded on its own. Text that starts with ordinary characters cannot: it gains SentencePiece's
     * dummy-prefix space.
     */
    @Test
    void zephyrDeltasFromTheEndOfAReplyEncodeLikeTheWholePrompt() throws IOException {
        LlamaTokenizer tokenizer = SharedTokenizer.tokenizer();
        List<ChatMessage> chat = new ArrayList<>(List.of(system("Be brief."), user("Hi?")));
        long[] cache = tokenizer.encode(ChatTemplate.ZEPHYR.render(chat, true));
        for (String reply : List.of("Ahoy!", "Yo", "Two\nlines.", "Arr, matey")) {
            int before = chat.size();
            chat.add(assistant(reply));
            chat.add(user("And then?"));
            String delta = ChatTemplate.ZEPHYR.renderDelta(chat, before);
            assertTrue(delta.startsWith(reply + "</s>"), delta);
            // The model generated the reply; the session encodes the rest from the </s> on.
            long[] replyIds = tokenizer.encode("\n" + reply, false);
            long[] generated = Arrays.copyOfRange(replyIds, 2, replyIds.length); // drop "▁" and "\n"
            long[] rest = tokenizer.encode(delta.substring(reply.length()), false);
            assertEquals(2, rest[0]);
            long[] incremental = concat(cache, generated, rest);
            long[] full = tokenizer.encode(ChatTemplate.ZEPHYR.render(chat, true));
            assertArrayEquals(full, incremental, reply);
            cache = incremental;
        }
        // Encoding the whole delta on its own would differ: the reply gains a leading "▁".
        String delta = ChatTemplate.ZEPHYR.renderDelta(List.of(user("Hi?"), assistant("Yo"), user("Q")), 1);
        long[] alone = tokenizer.encode(delta, false);
        assertTrue(tokenizer.tokenText(alone[0]).startsWith("▁"), tokenizer.tokenText(alone[0]));
        long[] inPrompt = tokenizer.encode(ChatTemplate.ZEPHYR.render(List.of(user("Hi?"), assistant("Yo")), false));
        assertTrue(Arrays.stream(inPrompt).noneMatch(id -> id == alone[0]), "the prompt has no " + alone[0]);
    }

    private static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    private static List<Integer> positions(long[] ids, long id) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                found.add(i);
            }
        }
        return found;
    }
}
