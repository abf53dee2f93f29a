package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.weights.RandomCheckpoint;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.testing.TinyModels;
import io.github.tinyllama.tokenizer.SentencePieceConverter;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Text in, text out: {@link TinyLlama} over a tiny random checkpoint with the real Llama-2
 * tokenizer (skipped when {@code ../shared/llama2/tokenizer.model} is absent). Random weights give
 * arbitrary tokens from the whole vocabulary, including byte-fallback tokens and CJK pieces, which
 * is what the streaming and stop-string contracts must survive. All comparisons are exact: the same
 * greedy or seeded run gives the same ids, and text is compared as strings.
 */
class TinyLlamaTest {

    @TempDir
    static Path dir;

    private static Path modelDir;
    private static TinyLlama llm;

    /** The shared model, built on first use so that tests not needing the tokenizer run without it. */
    private static synchronized TinyLlama llm() throws IOException {
        if (llm == null) {
            modelDir = TinyModels.withTokenizer(dir.resolve("tiny"), 21);
            llm = TinyLlama.load(modelDir);
        }
        return llm;
    }

    @AfterAll
    static void close() {
        if (llm != null) {
            llm.close();
        }
    }

    private static final List<String> PROMPTS = List.of(
            "The capital of France is",
            "Hello",
            "",
            "  leading spaces,\ttabs\nand a newline",
            "日本語のテキストを続けてください",
            "emoji 😀🎉 and ünïcödé",
            "<s> looks special but is text");

    private static final int NEW_TOKENS = 32;

    /** Every prompt greedily and sampled (the sampled run with every filter on, to vary the tokens). */
    static Stream<Arguments> promptsAndConfigs() {
        List<Arguments> out = new ArrayList<>();
        for (String prompt : PROMPTS) {
            out.add(Arguments.of(prompt, "greedy", GenerationConfig.greedy(NEW_TOKENS)));
            out.add(Arguments.of(prompt, "t=1.5 top-k 200 top-p 0.95 rep 1.3", GenerationConfig.builder()
                    .optMaxNewTokens(NEW_TOKENS).optTemperature(1.5).optTopK(200).optTopP(0.95).optRepetitionPenalty(1.3)
                    .optSeed(7 + prompt.length()).build()));
        }
        return out.stream();
    }

    /** A run's result with what was streamed. */
    private record Run(GenerationResult result, List<String> pieces) {
        String streamed() {
            return String.join("", pieces);
        }
    }

    private static Run run(String prompt, GenerationConfig config) throws IOException {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = llm().generate(prompt, config, pieces::add);
        return new Run(result, pieces);
    }

    private static void assertWellFormedPieces(List<String> pieces) {
        for (String piece : pieces) {
            assertFalse(piece.isEmpty(), "empty pieces are not passed on");
            assertFalse(Character.isLowSurrogate(piece.charAt(0)), "piece starts mid-character: " + pieces);
            assertFalse(Character.isHighSurrogate(piece.charAt(piece.length() - 1)),
                    "piece ends mid-character: " + pieces);
        }
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @MethodSource("promptsAndConfigs")
    void streamedPiecesConcatenateToTheResultText(String prompt, String label, GenerationConfig config)
            throws IOException {
        Run r = run(prompt, config);
        assertEquals(r.result().text(), r.streamed());
        assertWellFormedPieces(r.pieces());
        assertTrue(r.result().generatedTokens() > 0);
        // Without stop strings the text is everything generated, special tokens (a final EOS) dropped.
        assertTrue(r.result().finishReason() != FinishReason.STOP, r.result().finishReason().toString());
        assertEquals(llm().tokenizer().decode(r.result().ids()), r.result().text());
        if (r.result().finishReason() == FinishReason.LENGTH) {
            assertEquals(NEW_TOKENS, r.result().generatedTokens());
        }
    }

    @Test
    void sameSeedSameTextAndStream() throws IOException {
        GenerationConfig config = GenerationConfig.builder().optMaxNewTokens(32).optTemperature(1).optSeed(99).build();
        Run a = run("Once upon a time", config);
        Run b = run("Once upon a time", config);
        assertArrayEquals(a.result().ids(), b.result().ids());
        assertEquals(a.pieces(), b.pieces());
    }

    /** Stop strings taken from the unconstrained greedy text, at several places and lengths. */
    static Stream<Arguments> stopCases() {
        List<Arguments> out = new ArrayList<>();
        for (String prompt : List.of("Hi", "日本語", "emoji 😀")) {
            for (int[] at : new int[][] {{1, 1}, {3, 5}, {5, 12}, {9, 3}}) {
                out.add(Arguments.of(prompt, at[0], at[1]));
            }
        }
        return out.stream();
    }

    /**
     * The stop string starts at {@code tenths}/10 of the free text and is {@code length} characters long
     * (less if the text ends first, and never splitting a surrogate pair).
     */
    @ParameterizedTest(name = "[{index}] {0} at {1}/10, length {2}")
    @MethodSource("stopCases")
    void stopStringCutsTextAndStreamBeforeIt(String prompt, int tenths, int length) throws IOException {
        Run unconstrained = freeRun(prompt);
        String text = unconstrained.result().text();
        assertTrue(text.length() >= 20, "random weights give some text: '" + text + "'");
        String stop = substringAt(text, text.length() * tenths / 10, length);

        GenerationConfig stopping = GenerationConfig.builder().optMaxNewTokens(48).optIgnoreEos(true)
                .optStopStrings(List.of(stop)).build();
        Run r = run(prompt, stopping);
        String expected = text.substring(0, text.indexOf(stop));
        assertEquals(FinishReason.STOP, r.result().finishReason());
        assertEquals(expected, r.result().text());
        assertEquals(expected, r.streamed(), "nothing at or beyond the cut is streamed");
        assertWellFormedPieces(r.pieces());
        for (String piece : r.pieces()) {
            assertFalse(piece.contains(stop), "piece '" + piece + "' holds the stop string '" + stop + "'");
        }
        // Generation ended at the token that completed the stop string, not later or earlier.
        long[] ids = r.result().ids();
        assertArrayEquals(Arrays.copyOf(unconstrained.result().ids(), ids.length), ids);
        assertTrue(llm().tokenizer().decode(ids).contains(stop), "the ids reach the stop string");
        // A character spelled in byte tokens is final only once the next non-byte token arrives, so then
        // generation legitimately runs one token past the byte that completed the stop string.
        boolean releasedByNextToken = ids.length >= 2 && llm().tokenizer().tokenText(ids[ids.length - 2]).startsWith("<0x");
        if (!releasedByNextToken) {
            assertFalse(llm().tokenizer().decode(Arrays.copyOf(ids, ids.length - 1)).contains(stop),
                    "one token fewer does not reach the stop string");
        }
    }

    private static final Map<String, Run> FREE_RUNS = new HashMap<>();

    /** The unconstrained greedy run of a prompt, computed once. */
    private static Run freeRun(String prompt) throws IOException {
        Run r = FREE_RUNS.get(prompt);
        if (r == null) {
            r = run(prompt, GenerationConfig.builder().optMaxNewTokens(48).optIgnoreEos(true).build());
            FREE_RUNS.put(prompt, r);
        }
        return r;
    }

    @Test
    void earliestOfSeveralStopStringsWins() throws IOException {
        String text = freeRun("Hi").result().text();
        String late = substringAt(text, text.length() * 8 / 10, 4);
        String early = substringAt(text, text.length() * 3 / 10, 2);
        GenerationConfig stopping = GenerationConfig.builder().optMaxNewTokens(48).optIgnoreEos(true)
                .optStopStrings(List.of(late, early)).build();
        Run r = run("Hi", stopping);
        int cut = Math.min(text.indexOf(late), text.indexOf(early));
        assertEquals(text.substring(0, cut), r.result().text());
        assertEquals(r.result().text(), r.streamed());
        assertEquals(FinishReason.STOP, r.result().finishReason());
    }

    @Test
    void stopStringNeverProducedLeavesTextAlone() throws IOException {
        GenerationConfig stopping = GenerationConfig.builder().optMaxNewTokens(48).optIgnoreEos(true)
                .optStopStrings(List.of("\u0000never\u0000")).build();
        Run a = freeRun("Hi");
        Run b = run("Hi", stopping);
        assertEquals(a.result().text(), b.result().text());
        assertEquals(a.result().text(), b.streamed());
        assertEquals(FinishReason.LENGTH, b.result().finishReason());
    }

    private static String substringAt(String text, int start, int length) {
        if (Character.isLowSurrogate(text.charAt(start))) {
            start--;
        }
        int end = Math.min(text.length(), start + length);
        if (end < text.length() && Character.isLowSurrogate(text.charAt(end))) {
            end++;
        }
        return text.substring(start, end);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Hello", "", "日本語"})
    void textPromptsStartWithBos(String prompt) throws IOException {
        GenerationResult r = llm().generate(prompt, GenerationConfig.greedy(2));
        assertEquals(1, r.promptIds()[0]);
        assertArrayEquals(llm().tokenizer().encode(prompt), r.promptIds());
        assertEquals(llm().tokenizer().encode(prompt, false).length + 1, r.promptTokens());
        GenerationResult streamed = llm().generate(prompt, GenerationConfig.greedy(2), piece -> {});
        assertEquals(1, streamed.promptIds()[0]);
        assertArrayEquals(r.ids(), streamed.ids());
    }

    @Test
    void tokenPromptsAreUsedAsGiven() throws IOException {
        long[] ids = llm().tokenizer().encode("Hello", false);
        GenerationResult r = llm().generate(ids, GenerationConfig.greedy(2), piece -> {});
        assertArrayEquals(ids, r.promptIds());
    }

    // ---------------------------------------------------------------- loading and closing

    @Test
    void directoryWithoutTokenizerIsRefusedNamingIt() throws IOException {
        Path bare = dir.resolve("no-tokenizer");
        RandomCheckpoint.write(bare, LlamaConfig.tiny(), DType.BF16, 1);
        IOException e = assertThrows(IOException.class, () -> TinyLlama.load(bare));
        assertTrue(e.getMessage().contains(bare.toString()), e.getMessage());
    }

    @Test
    void directoryWithoutConfigIsRefusedNamingConfigJson() throws IOException {
        Path noConfig = dir.resolve("no-config");
        RandomCheckpoint.write(noConfig, LlamaConfig.tiny(), DType.BF16, 1);
        SentencePieceConverter.convert(SharedTokenizer.require(), noConfig);
        Files.delete(noConfig.resolve(LlamaConfig.FILE_NAME));
        IOException e = assertThrows(IOException.class, () -> TinyLlama.load(noConfig));
        assertTrue(e.getMessage().contains(noConfig.resolve("config.json").toString()), e.getMessage());
    }

    /**
     * Use after close may throw, but must not reach freed native memory and abort the JVM: if it did,
     * Surefire would report the forked VM as crashed instead of this test passing.
     */
    @Test
    void closingTwiceAndUsingAfterCloseDoNotCrash() throws IOException {
        llm(); // the shared model dir and tokenizer check
        TinyLlama own = TinyLlama.load(modelDir);
        long[] ids = own.tokenizer().encode("Hello");
        own.close();
        assertDoesNotThrow(own::close, "closing twice is harmless, as for Closeable");
        List<Runnable> uses = List.of(
                () -> own.generate("Hello", GenerationConfig.greedy(3)),
                () -> own.generate(ids, GenerationConfig.greedy(3), piece -> {}),
                () -> own.languageModel().generate(ids, GenerationConfig.greedy(3), id -> true),
                () -> own.score(ids),
                () -> own.tokenizer().decode(ids),
                () -> own.tokenizer().encode("Hello"));
        for (Runnable use : uses) {
            try {
                use.run();
            } catch (RuntimeException expected) {
                // refusing is fine; an Error or a JVM abort is not
            }
        }
        assertDoesNotThrow(own::close);
        // The shared model is untouched by closing another instance loaded from the same directory.
        assertEquals(llm().generate("Hello", GenerationConfig.greedy(3)).text(),
                llm().generate("Hello", GenerationConfig.greedy(3)).text());
    }
}
