package io.github.tinyllama.tokenizer;

import static io.github.tinyllama.tokenizer.ChatMessage.assistant;
import static io.github.tinyllama.tokenizer.ChatMessage.system;
import static io.github.tinyllama.tokenizer.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChatTemplateTest {

    private static final String PIRATE = "You are a friendly chatbot who always responds in the style of a pirate";
    private static final String HELICOPTERS = "How many helicopters can a human eat in one sitting?";

    // ---- Zephyr (Chat v0.6, v1.0) ----

    @Test
    void zephyrMatchesTheModelCardByteForByte() {
        String prompt = ChatTemplate.ZEPHYR.render(List.of(system(PIRATE), user(HELICOPTERS)), true);
        assertEquals("<|system|>\nYou are a friendly chatbot who always responds in the style of a pirate</s>\n"
                + "<|user|>\nHow many helicopters can a human eat in one sitting?</s>\n<|assistant|>\n", prompt);
    }

    @Test
    void zephyrGoldens() {
        ChatTemplate t = ChatTemplate.ZEPHYR;
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", t.render(List.of(user("Hi")), true));
        assertEquals("<|user|>\nHi</s>\n", t.render(List.of(user("Hi")), false));
        List<ChatMessage> chat = List.of(system("S"), user("A"), assistant("B"), user("C"));
        assertEquals("<|system|>\nS</s>\n<|user|>\nA</s>\n<|assistant|>\nB</s>\n<|user|>\nC</s>\n",
                t.render(chat, false));
        assertEquals("<|system|>\nS</s>\n<|user|>\nA</s>\n<|assistant|>\nB</s>\n<|user|>\nC</s>\n<|assistant|>\n",
                t.render(chat, true));
        assertEquals("<|user|>\nA</s>\n<|assistant|>\nB</s>\n",
                t.render(List.of(user("A"), assistant("B")), false));
        assertEquals(List.of("</s>", "<|user|>", "<|system|>", "<|assistant|>"), t.stopStrings());
        assertEquals("</s>", t.assistantTerminator());
    }

    // ---- ChatML (Chat v0.2 to v0.4) ----

    @Test
    void chatmlGoldens() {
        ChatTemplate t = ChatTemplate.CHATML;
        assertEquals("<|im_start|>user\nHow to get in a good university?<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(user("How to get in a good university?")), true));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", t.render(List.of(user("Hi")), false));
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(system("S"), user("Hi")), true));
        assertEquals("<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\nB<|im_end|>\n"
                + "<|im_start|>user\nC<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(user("A"), assistant("B"), user("C")), true));
        assertEquals("<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\nB<|im_end|>\n",
                t.render(List.of(user("A"), assistant("B")), false));
        assertEquals(List.of("<|im_end|>", "<|im_start|>"), t.stopStrings());
        assertEquals("<|im_end|>", t.assistantTerminator());
    }

    // ---- guanaco (Chat v0.1) ----

    @Test
    void guanacoGoldens() {
        ChatTemplate t = ChatTemplate.GUANACO;
        // sft/simple_inference.py
        assertEquals("### Human: Quick Sort Implementation in golang ### Assistant:",
                t.render(List.of(user("Quick Sort Implementation in golang")), true));
        assertEquals("### Human: Hi", t.render(List.of(user("Hi")), false));
        // Later turns as in openassistant-guanaco: the reply runs straight into the next "### Human:".
        assertEquals("### Human: A ### Assistant: B### Human: C ### Assistant:",
                t.render(List.of(user("A"), assistant("B"), user("C")), true));
        assertEquals("### Human: A ### Assistant: B", t.render(List.of(user("A"), assistant("B")), false));
        assertEquals("S\n### Human: A ### Assistant:", t.render(List.of(system("S"), user("A")), true));
        assertEquals(List.of("### Human:", "### Assistant:"), t.stopStrings());
        assertEquals("</s>", t.assistantTerminator());
    }

    // ---- none (base models) ----

    @Test
    void noneConcatenates() {
        ChatTemplate t = ChatTemplate.NONE;
        assertEquals("Once upon a time", t.render(List.of(user("Once upon a time")), true));
        assertEquals("SAB", t.render(List.of(system("S"), user("A"), assistant("B")), true));
        assertEquals("SAB", t.render(List.of(system("S"), user("A"), assistant("B")), false));
        assertEquals(List.of(), t.stopStrings());
        assertEquals("", t.assistantTerminator());
    }

    // ---- validation ----

    @Test
    void unknownRolesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChatMessage("tool", "x"));
        assertTrue(e.getMessage().contains("'tool'") && e.getMessage().contains("system, user, assistant"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage("User", "x"));
        assertThrows(NullPointerException.class, () -> new ChatMessage("user", null));
    }

    @ParameterizedTest
    @EnumSource(ChatTemplate.class)
    void aSystemMessageOnlyFirst(ChatTemplate t) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(user("A"), system("S")), true));
        assertTrue(e.getMessage().contains("Message 1") && e.getMessage().contains("only come first"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.render(List.of(system("S"), system("T")), false));
    }

    @ParameterizedTest
    @EnumSource(ChatTemplate.class)
    void emptyConversationsAreRejected(ChatTemplate t) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.render(List.of(), true));
        assertTrue(e.getMessage().contains("at least one message"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.render(null, true));
        assertThrows(IllegalArgumentException.class, () -> t.render(Arrays.asList(user("A"), null), true));
    }

    @Test
    void namedTemplates() {
        assertEquals(ChatTemplate.ZEPHYR, ChatTemplate.named("zephyr"));
        assertEquals(ChatTemplate.CHATML, ChatTemplate.named("ChatML"));
        assertEquals(ChatTemplate.GUANACO, ChatTemplate.named(" guanaco "));
        assertEquals(ChatTemplate.NONE, ChatTemplate.named("none"));
        for (ChatTemplate t : ChatTemplate.values()) {
            assertEquals(t, ChatTemplate.named(t.id()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("llama2"));
        assertEquals("Unknown chat template 'llama2': expected one of zephyr, chatml, guanaco, none", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named(null));
    }

    // ---- incremental rendering ----

    @ParameterizedTest
    @EnumSource(ChatTemplate.class)
    void aChatSessionFeedsOnlyTheNewText(ChatTemplate t) {
        List<ChatMessage> chat = new ArrayList<>(List.of(system("Be brief."), user("Hi")));
        StringBuilder fed = new StringBuilder(t.renderDelta(chat, 0));
        assertEquals(t.render(chat, true), fed.toString());
        for (int turn = 0; turn < 5; turn++) {
            int before = chat.size();
            chat.add(assistant("Reply " + turn));
            chat.add(user("Question " + turn));
            String delta = t.renderDelta(chat, before);
            // The delta starts with the reply, which the model generated itself (in guanaco with the
            // space after "### Assistant:", which the model generates as part of its first token).
            String reply = (t == ChatTemplate.GUANACO ? " " : "") + "Reply " + turn;
            assertTrue(delta.startsWith(reply), delta);
            fed.append(delta);
            assertEquals(t.render(chat, true), fed.toString());
        }
    }

    @Test
    void zephyrDeltaAfterAReply() {
        List<ChatMessage> chat = List.of(user("A"), assistant("B"), user("C"));
        assertEquals("B</s>\n<|user|>\nC</s>\n<|assistant|>\n", ChatTemplate.ZEPHYR.renderDelta(chat, 1));
        assertEquals("<|assistant|>\nB</s>\n<|user|>\nC</s>\n",
                ChatTemplate.ZEPHYR.renderDelta(chat, 1, false, false));
        assertEquals(" B### Human: C ### Assistant:", ChatTemplate.GUANACO.renderDelta(chat, 1));
    }

    @ParameterizedTest
    @EnumSource(ChatTemplate.class)
    void deltaEqualsTheDifferenceOfFullRenderingsOverRandomConversations(ChatTemplate t) {
        Random random = new Random(20250101L + t.ordinal());
        int checked = 0;
        int refused = 0;
        for (int n = 0; n < 400; n++) {
            List<ChatMessage> chat = randomConversation(random);
            for (int k = 0; k <= chat.size(); k++) {
                for (boolean previousPrompt : new boolean[] {false, true}) {
                    for (boolean prompt : new boolean[] {false, true}) {
                        String full = t.render(chat, prompt);
                        String prefix = k == 0 ? "" : t.render(chat.subList(0, k), previousPrompt);
                        if (full.startsWith(prefix)) {
                            assertEquals(full, prefix + t.renderDelta(chat, k, previousPrompt, prompt),
                                    () -> t + " " + chat);
                            checked++;
                        } else {
                            int at = k;
                            assertThrows(IllegalArgumentException.class,
                                    () -> t.renderDelta(chat, at, previousPrompt, prompt), () -> t + " " + chat);
                            refused++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 1000, "checked " + checked);
        if (t != ChatTemplate.NONE) {
            assertTrue(refused > 100, "refused " + refused);
        }
    }

    @Test
    void deltaArgumentsAreChecked() {
        List<ChatMessage> chat = List.of(user("A"), assistant("B"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.ZEPHYR.renderDelta(chat, 3));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.ZEPHYR.renderDelta(chat, -1));
        // After the generation prompt only the assistant's reply can follow.
        e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.ZEPHYR.renderDelta(List.of(user("A"), user("B")), 1));
        assertTrue(e.getMessage().contains("must be the assistant's reply, not a user message"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.CHATML.renderDelta(chat, 2, true, false));
        assertTrue(e.getMessage().contains("generation prompt"), e.getMessage());
        assertEquals("", ChatTemplate.CHATML.renderDelta(chat, 2, true, true));
        assertEquals("", ChatTemplate.CHATML.renderDelta(chat, 2, false, false));
    }

    private static final String[] WORDS = {"", "Hi", "a b", "\n", " lead", "trail ", "</s>", "<|user|>",
        "### Human:", "<|im_end|>", "ünïcödé", "😀", "x\ny", "  "};

    private static List<ChatMessage> randomConversation(Random random) {
        List<ChatMessage> chat = new ArrayList<>();
        if (random.nextInt(3) == 0) {
            chat.add(system(randomText(random)));
        }
        int turns = (chat.isEmpty() ? 1 : 0) + random.nextInt(6);
        for (int i = 0; i < turns; i++) {
            // Mostly alternating, sometimes not: templates do not require alternation.
            boolean userTurn = random.nextInt(5) == 0 ? random.nextBoolean() : i % 2 == 0;
            chat.add(userTurn ? user(randomText(random)) : assistant(randomText(random)));
        }
        return chat;
    }

    private static String randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int words = random.nextInt(4);
        for (int i = 0; i < words; i++) {
            text.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }
}
