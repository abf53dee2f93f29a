package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;
import io.github.tinyllama.testing.TinyModels;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Sliding-window perplexity against Hugging Face's loop run on the float64 reference model
 * ({@code goldens/perplexity_gqa4_bf16.json}, made with {@code ref_llama.py} outside the project), against a plan
 * worked out by hand, and batched against one window at a time.
 */
class PerplexityTest {

    /** Per-token log-probabilities match the float64 reference to 1e-4 (LanguageModelTest); so does their mean. */
    private static final double REFERENCE_TOLERANCE = 1e-4;

    @TempDir
    static Path dir;

    private static LanguageModel model;
    private static JsonObject golden;

    @BeforeAll
    static void load() throws IOException {
        model = LanguageModel.load(Fixtures.GQA4_BF16.write(dir), DataType.FLOAT32, null, bytes -> {});
        try (InputStream in = PerplexityTest.class.getResourceAsStream("/goldens/perplexity_gqa4_bf16.json")) {
            golden = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void windowsFollowHuggingFacesLoop() {
        // 10 tokens, windows of 4 every 2: the first scores tokens 1-3, each later one the 2 tokens after the last.
        assertEquals(List.of(new Perplexity.Window(0, 4, 1), new Perplexity.Window(2, 6, 2),
                new Perplexity.Window(4, 8, 2), new Perplexity.Window(6, 10, 2)), Perplexity.windows(10, 4, 2));
        // 11 tokens, windows of 4 every 3: the last window is cut short at the end of the text.
        assertEquals(List.of(new Perplexity.Window(0, 4, 1), new Perplexity.Window(3, 7, 1),
                new Perplexity.Window(6, 10, 1), new Perplexity.Window(9, 11, 1)), Perplexity.windows(11, 4, 3));
        // A text shorter than the window is one window.
        assertEquals(List.of(new Perplexity.Window(0, 5, 1)), Perplexity.windows(5, 8, 4));
    }

    @Test
    void everyTokenAfterTheFirstIsScoredOnceWithContextInItsWindow() {
        for (int length = 2; length <= 40; length++) {
            for (int window = 2; window <= 12; window++) {
                for (int stride = 1; stride < window; stride++) {
                    int[] times = new int[length];
                    for (Perplexity.Window w : Perplexity.windows(length, window, stride)) {
                        assertTrue(w.from() >= 1 && w.end() - w.begin() <= window, w.toString());
                        for (int t = w.begin() + w.from(); t < w.end(); t++) {
                            times[t]++;
                        }
                    }
                    int[] once = new int[length];
                    Arrays.fill(once, 1, length, 1);
                    assertEquals(Arrays.toString(once), Arrays.toString(times),
                            length + " tokens, window " + window + ", stride " + stride);
                }
            }
        }
    }

    @Test
    void matchesHuggingFacesLoopOnTheFloat64Reference() {
        long[] ids = Goldens.longs(golden, "ids");
        for (JsonElement element : golden.getAsJsonArray("cases")) {
            JsonObject c = element.getAsJsonObject();
            int window = c.get("window").getAsInt();
            int stride = c.get("stride").getAsInt();
            Perplexity.Result r = Perplexity.builder().optWindow(window).optStride(stride).build()
                    .evaluate(model, ids, 100);
            long tokens = c.get("tokens").getAsLong();
            double nll = c.get("nll_sum").getAsDouble() / tokens;
            assertEquals(tokens, r.tokens());
            assertEquals(nll, r.nll(), REFERENCE_TOLERANCE, "window " + window + ", stride " + stride);
            assertEquals(Math.exp(r.nll()), r.perplexity(), 1e-12);
            assertEquals(r.nll() * r.tokens() / Math.log(2) / 100, r.bitsPerByte(), 1e-12);
        }
    }

    /** The 10-token plan above, scored window by window through the model's own per-token scores. */
    @Test
    void sumsEachTokenFromTheWindowWorkedOutByHand() {
        long[] ids = Arrays.copyOf(Goldens.longs(golden, "ids"), 10);
        double expected = 0;
        expected += tail(ids, 0, 4, 1); // tokens 1, 2, 3
        expected += tail(ids, 2, 6, 2); // tokens 4, 5 given 2, 3
        expected += tail(ids, 4, 8, 2); // tokens 6, 7 given 4, 5
        expected += tail(ids, 6, 10, 2); // tokens 8, 9 given 6, 7
        Perplexity.Result r = Perplexity.builder().optWindow(4).optStride(2).build().evaluate(model, ids, 1);
        assertEquals(9, r.tokens());
        // Both sides come from the same float32 forward passes; only the summation order may differ.
        assertEquals(expected / 9, r.nll(), 1e-6);
    }

    private static double tail(long[] ids, int begin, int end, int from) {
        double[] logprobs = model.scorer().score(Arrays.copyOfRange(ids, begin, end));
        double nll = 0;
        for (int i = from; i < logprobs.length; i++) {
            nll -= logprobs[i];
        }
        return nll;
    }

    @Test
    void batchedWindowsGiveTheSameResultAsOneAtATime() {
        long[] ids = Goldens.longs(golden, "ids");
        Perplexity.Result one = Perplexity.builder().optWindow(16).optStride(5).build().evaluate(model, ids, 1);
        for (int batch : new int[] {2, 3, 64}) {
            Perplexity.Result batched = Perplexity.builder().optWindow(16).optStride(5).optBatchSize(batch).build()
                    .evaluate(model, ids, 1);
            assertEquals(one.tokens(), batched.tokens());
            // Right padding (only the last window is short) is never attended to; what remains is float32
            // matrix products over a different number of rows, which may round differently in the last bits.
            assertEquals(one.nll(), batched.nll(), 1e-6, "batch " + batch);
        }
    }

    @Test
    void defaultsAreTheModelsContextAndHalfOfIt() {
        long[] ids = Goldens.longs(golden, "ids");
        Perplexity.Result r = Perplexity.builder().build().evaluate(model, ids, 1);
        assertEquals(128, r.window());
        assertEquals(64, r.stride());
        assertEquals(ids.length - 1, r.tokens());
    }

    @Test
    void refusesWindowsThatCannotWork() {
        long[] ids = Goldens.longs(golden, "ids");
        IllegalArgumentException tooWide = assertThrows(IllegalArgumentException.class,
                () -> Perplexity.builder().optWindow(129).build().evaluate(model, ids, 1));
        assertTrue(tooWide.getMessage().contains("context of 128"), tooWide.getMessage());
        IllegalArgumentException stride = assertThrows(IllegalArgumentException.class,
                () -> Perplexity.builder().optWindow(8).optStride(8).build().evaluate(model, ids, 1));
        assertTrue(stride.getMessage().contains("stride"), stride.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Perplexity.builder().build().evaluate(model, new long[] {1}, 0));
    }

    @Test
    void textIsEncodedOnceWithBosAndMeasuredInUtf8Bytes(@TempDir Path modelDir) throws IOException {
        String text = "Naïve café owners in Zürich — and 東京 — count bytes, not characters.";
        try (TinyLlama llm = TinyLlama.load(TinyModels.withTokenizer(modelDir, 5))) {
            long[] ids = llm.tokenizer().encode(text);
            assertEquals(llm.tokenizer().bosId(), ids[0]);
            Perplexity.Result r = Perplexity.builder().optWindow(8).optStride(3).build().evaluate(llm, text);
            Perplexity.Result fromIds = Perplexity.builder().optWindow(8).optStride(3).build()
                    .evaluate(llm.languageModel(), ids, text.getBytes(StandardCharsets.UTF_8).length);
            assertEquals(ids.length - 1, r.tokens());
            assertEquals(fromIds.nll(), r.nll(), 0);
            int bytes = text.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes > text.length());
            assertEquals(r.nll() * r.tokens() / Math.log(2) / bytes, r.bitsPerByte(), 1e-12);
        }
    }
}
