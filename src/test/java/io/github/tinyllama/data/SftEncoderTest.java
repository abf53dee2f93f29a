package io.github.tinyllama.data;

import static io.github.tinyllama.tokenizer.ChatMessage.assistant;
import static io.github.tinyllama.tokenizer.ChatMessage.system;
import static io.github.tinyllama.tokenizer.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loss masks on the real Llama-2 tokenizer, checked against the ids inference encodes for the same
 * conversation ({@code tokenizer.encode(template.render(history, true))}, as {@code Chat} does).
 */
class SftEncoderTest {

    private static final long BOS = 1;
    private static final long EOS = 2;
    private static final long NEWLINE = 13;

    private static final List<ChatMessage> CONVERSATION = List.of(
            system("You are a pirate."),
            user("Where is the treasure?"),
            assistant("Arr, under the old palm tree."),
            user("How deep?"),
            assistant("Three fathoms, matey!"));

    @TempDir
    Path dir;

    /** The spans of consecutive trained tokens, as [start, end) pairs. */
    private static List<int[]> runs(boolean[] trained) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < trained.length; i++) {
            if (trained[i] && (i == 0 || !trained[i - 1])) {
                int end = i;
                while (end < trained.length && trained[end]) {
                    end++;
                }
                runs.add(new int[] {i, end});
            }
        }
        return runs;
    }

    @ParameterizedTest
    @EnumSource(value = ChatTemplate.class, names = {"ZEPHYR", "CHATML", "GUANACO"})
    void repliesAreTrainedFromTheEndOfTheirInferencePromptThroughTheTerminator(ChatTemplate template)
            throws IOException {
        LlamaTokenizer tokenizer = SharedTokenizer.tokenizer();
        SftExample example = new SftEncoder(tokenizer, template, 1024, false)
                .encode(new ChatRecord(dir, 1, CONVERSATION, null));
        long[] ids = example.ids();

        // The whole sequence is what inference encodes for the finished conversation (EOS after it for
        // guanaco, whose template renders none).
        long[] whole = tokenizer.encode(template.render(CONVERSATION, false));
        long[] expected = template == ChatTemplate.GUANACO ? append(whole, EOS) : whole;
        assertArrayEquals(expected, ids);
        assertFalse(example.truncated());

        List<int[]> runs = runs(example.trained());
        assertEquals(2, runs.size(), "one trained span per reply");
        int[] replies = {2, 4};
        for (int r = 0; r < runs.size(); r++) {
            int k = replies[r];
            // Inference's prompt for this reply is exactly the untrained ids before the span.
            long[] prompt = tokenizer.encode(template.render(CONVERSATION.subList(0, k), true));
            assertArrayEquals(prompt, Arrays.copyOf(ids, prompt.length), "prompt of reply " + k);
            assertEquals(prompt.length, runs.get(r)[0], "reply " + k + " starts right after its prompt");
            long[] span = Arrays.copyOfRange(ids, runs.get(r)[0], runs.get(r)[1]);
            String text = tokenizer.decode(span, false);
            String content = CONVERSATION.get(k).content();
            boolean last = r == runs.size() - 1;
            switch (template) {
                case ZEPHYR -> {
                    assertEquals(content + "</s>", text);
                    assertEquals(EOS, span[span.length - 1], "Zephyr replies end with the EOS id");
                    assertEquals(NEWLINE, ids[runs.get(r)[1]], "the newline after </s> belongs to the next turn");
                }
                case CHATML -> assertEquals(content + "<|im_end|>", text);
                default -> {
                    // " Arr" decodes without its leading space: the first piece's ▁ is dropped.
                    assertEquals(last ? content + "</s>" : content, text);
                    assertEquals(last, span[span.length - 1] == EOS);
                }
            }
        }
        assertEquals(ids.length, runs.get(1)[1] + (template == ChatTemplate.GUANACO ? 0 : 1),
                "nothing after the last reply but the template's newline");
    }

    @Test
    void zephyrSpansHaveTheIdsOfTheReplyAndEos() throws IOException {
        LlamaTokenizer tokenizer = SharedTokenizer.tokenizer();
        SftExample example = new SftEncoder(tokenizer, ChatTemplate.ZEPHYR, 1024, false)
                .encode(new ChatRecord(dir, 1, List.of(user("Hi"), assistant("Hello")), null));
        // Python sentencepiece 0.1.97 on the same model: [1] + encode("<|user|>\nHi") + [2] + encode of
        // "\n<|assistant|>\nHello" and of "\n" without their dummy-prefix piece 29871, EOS between.
        long[] expected = {1, 529, 29989, 1792, 29989, 29958, 13, 18567, 2, 13, 29966, 29989, 465, 22137, 29989,
            29958, 13, 10994, 2, 13};
        assertArrayEquals(expected, example.ids());
        boolean[] trained = example.trained();
        for (int i = 0; i < expected.length; i++) {
            // "Hello" and its </s>; not the newline after them, which starts the next turn.
            assertEquals(i == 17 || i == 18, trained[i], "position " + i);
        }
    }

    @Test
    void trainOnPromptCountsEveryTokenButBos() throws IOException {
        SftExample example = new SftEncoder(SharedTokenizer.tokenizer(), ChatTemplate.ZEPHYR, 1024, true)
                .encode(new ChatRecord(dir, 1, CONVERSATION, null));
        assertFalse(example.trained()[0]);
        assertEquals(example.ids().length - 1, example.trainedTokens());
    }

    @Test
    void textIsTrainedWholeWithEosAppended() throws IOException {
        LlamaTokenizer tokenizer = SharedTokenizer.tokenizer();
        SftExample example = new SftEncoder(tokenizer, ChatTemplate.ZEPHYR, 1024, false)
                .encode(new ChatRecord(dir, 1, null, "Plain words."));
        assertArrayEquals(append(tokenizer.encode("Plain words."), EOS), example.ids());
        assertEquals(BOS, example.ids()[0]);
        assertEquals(example.ids().length - 1, example.trainedTokens());
    }

    @Test
    void longExamplesAreCutAndCountedNotDropped() throws IOException {
        Path file = dir.resolve("data.jsonl");
        Files.writeString(file, "{\"prompt\": \"" + "word ".repeat(100) + "\", \"response\": \"ok\"}\n"
                + "{\"prompt\": \"short\", \"response\": \"ok\"}\n");
        SftData data = SftData.read(file, new SftEncoder(SharedTokenizer.tokenizer(), ChatTemplate.ZEPHYR, 32, false));
        assertEquals(2, data.size());
        assertEquals(1, data.truncated());
        assertEquals(33, data.examples().get(0).ids().length);
        assertTrue(data.examples().get(0).truncated());
        // Cut inside the prompt, the long example keeps no reply to learn from.
        assertEquals(0, data.examples().get(0).trainedTokens());
        assertEquals(data.examples().get(1).trainedTokens(), data.trainedTokens());
    }

    @Test
    void malformedRecordsNameFileAndLine() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        String[] bad = {
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
            "{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}",
            "{\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}",
            "{\"prompt\": \"hi\"}",
            "{\"text\": 3}",
            "{\"other\": \"x\"}",
            "[1, 2]",
            "{not json",
        };
        for (String line : bad) {
            Files.writeString(file, "{\"text\": \"fine\"}\n\n" + line + "\n");
            MalformedDocumentException e = assertThrows(MalformedDocumentException.class,
                    () -> ChatRecord.readAll(file), line);
            assertEquals(3, e.line(), line);
            assertTrue(e.getMessage().startsWith(file + ":3: "), e.getMessage());
        }
    }

    @Test
    void threeShapesAreRead() throws IOException {
        Path file = dir.resolve("shapes.jsonl");
        Files.writeString(file, """
                {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]}
                {"prompt": "U", "response": "A", "system": "S"}
                {"text": "T"}
                """);
        List<ChatRecord> records = ChatRecord.readAll(file);
        assertEquals(records.get(0).messages(), records.get(1).messages());
        assertEquals(List.of(system("S"), user("U"), assistant("A")), records.get(0).messages());
        assertEquals("T", records.get(2).text());
        assertEquals(3, records.get(2).line());
    }

    private static long[] append(long[] ids, long id) {
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
