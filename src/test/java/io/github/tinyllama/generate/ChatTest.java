package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.testing.TinyModels;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

/** Multi-turn chat on a tiny random model with the real tokenizer (skipped when it is absent). */
class ChatTest {

    @TempDir
    static Path dir;

    private static TinyLlama llm;

    @BeforeAll
    static void load() throws Exception {
        llm = TinyLlama.load(TinyModels.withTokenizer(dir, 6));
    }

    @AfterAll
    static void close() {
        if (llm != null) {
            llm.close();
        }
    }

    private static final GenerationConfig CONFIG = GenerationConfig.greedy(8);

    @Test
    void eachTurnMatchesAFreshGenerationAndReusesTheCache() {
        try (Chat chat = Chat.start(llm, ChatTemplate.ZEPHYR, "Be brief.", CONFIG)) {
            GenerationResult first = chat.say("Hello there", text -> { });
            int cachedAfterFirst = chat.cachedTokens();
            StringBuilder streamed = new StringBuilder();
            GenerationResult second = chat.say("And then?", streamed::append);
            assertEquals(second.text(), streamed.toString());
            assertTrue(chat.cachedTokens() > cachedAfterFirst);

            List<ChatMessage> history = chat.history();
            assertEquals(List.of("system", "user", "assistant", "user", "assistant"),
                    history.stream().map(ChatMessage::role).toList());
            assertEquals(first.text().strip(), history.get(2).content());

            // The second reply is what a fresh generation on the whole rendered conversation gives.
            long[] ids = llm.tokenizer().encode(ChatTemplate.ZEPHYR.render(history.subList(0, 4), true));
            GenerationConfig withStops = CONFIG.withMoreStopStrings(ChatTemplate.ZEPHYR.stopStrings());
            assertArrayEquals(llm.generate(ids, withStops, text -> { }).ids(), second.ids());
            assertEquals(ids.length, second.promptTokens());
        }
    }

    @Test
    void theTemplatesTurnMarkersStopAReply() {
        try (Chat chat = Chat.start(llm, ChatTemplate.ZEPHYR, null, GenerationConfig.greedy(40))) {
            GenerationResult r = chat.say("Tell me more", text -> { });
            for (String marker : ChatTemplate.ZEPHYR.stopStrings()) {
                assertTrue(!r.text().contains(marker), r.text());
            }
        }
    }
}
