package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.generate.TokenScores;
import io.github.tinyllama.testing.TinyModels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Scoring on a random tiny checkpoint ({@link TinyModels#withTokenizer}, seed {@value #SEED}, context 256 so
 * the 5-shot MMLU prompts are left-truncated) against the float64 reference.
 *
 * <p>{@code goldens.json} holds, per request of the fixture tasks, the token ids the harness's encoding gives
 * and the sum of the continuation tokens' log-probabilities computed by {@code ref_llama.py nll} in float64
 * on the same checkpoint. Our scores run in float32; over a 256-token context with two layers the summed
 * log-likelihood of a short continuation stays within about 1e-5 of float64, so 1e-3 (the bound)
 * leaves room without hiding a wrong token or a wrong position, which move the sum by far more than 1e-2.
 *
 * <p>To regenerate: {@code mvn test -Dtest=ScoringGoldenTest -Deval.dump=DIR} writes the model and
 * {@code requests.json} to DIR; run the reference on each request and write {@code goldens.json}.
 */
class ScoringGoldenTest {

    static final long SEED = 11;

    @TempDir
    static Path dir;

    private static TinyLlama llm;
    private static Evaluator.Plan plan;

    @BeforeAll
    static void load() throws IOException {
        String dump = System.getProperty("eval.dump");
        Path modelDir = dump == null ? dir.resolve("model") : Path.of(dump, "model");
        Files.createDirectories(modelDir);
        TinyModels.withTokenizer(modelDir, SEED);
        llm = TinyLlama.load(modelDir);
        plan = Evaluator.plan(List.of(Task.values()), EvalFixtures.dataDir(), 0);
        if (dump != null) {
            JsonArray out = new JsonArray();
            RequestEncoder encoder = new RequestEncoder(llm.tokenizer(), llm.config().maxPositions());
            for (Item item : plan.items()) {
                for (int j = 0; j < item.requests().size(); j++) {
                    RequestEncoder.Encoded e = encoder.encode(item.requests().get(j));
                    JsonObject o = new JsonObject();
                    o.addProperty("task", item.task());
                    o.addProperty("doc_id", item.docId());
                    o.addProperty("choice", j);
                    o.add("context_ids", ids(e.context()));
                    o.add("continuation_ids", ids(e.continuation()));
                    out.add(o);
                }
            }
            Files.writeString(Path.of(dump, "requests.json"), new GsonBuilder().create().toJson(out));
        }
    }

    @AfterAll
    static void close() {
        if (llm != null) {
            llm.close();
        }
    }

    private static JsonArray ids(long[] ids) {
        JsonArray a = new JsonArray();
        for (long id : ids) {
            a.add(id);
        }
        return a;
    }

    private static long[] ids(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static JsonArray goldens() throws IOException {
        try (InputStream in = ScoringGoldenTest.class.getResourceAsStream("/eval/goldens.json")) {
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject().getAsJsonArray("requests");
        }
    }

    @Test
    void everyLoggedLoglikelihoodEqualsTheFloat64Reference() throws IOException {
        JsonArray goldens = goldens();
        // Batches of 3 score most questions alone; batches of 16 pad several questions' contexts together.
        for (int batch : new int[] {3, 16}) {
          for (boolean share : new boolean[] {true, false}) {
            Evaluator.Results results = plan.run(llm, batch, share, Evaluator.Listener.NONE);
            assertEquals(goldens.size(), results.samples().size());
            for (int i = 0; i < goldens.size(); i++) {
                JsonObject g = goldens.get(i).getAsJsonObject();
                Evaluator.Sample s = results.samples().get(i);
                String where = String.format(Locale.ROOT, "%s doc %d choice %d (share %s, batch %d)",
                        g.get("task").getAsString(), g.get("doc_id").getAsInt(), g.get("choice").getAsInt(), share,
                        batch);
                assertEquals(g.get("task").getAsString(), s.task(), where);
                assertEquals(g.get("doc_id").getAsInt(), s.docId(), where);
                assertEquals(g.get("loglikelihood").getAsDouble(), s.loglikelihood(), 1e-3, where);
            }
          }
        }
    }

    @Test
    void requestsTokeniseToTheGoldenIds() throws IOException {
        JsonArray goldens = goldens();
        RequestEncoder encoder = new RequestEncoder(llm.tokenizer(), llm.config().maxPositions());
        int i = 0;
        boolean truncated = false;
        for (Item item : plan.items()) {
            for (Request r : item.requests()) {
                JsonObject g = goldens.get(i++).getAsJsonObject();
                RequestEncoder.Encoded e = encoder.encode(r);
                assertArrayEquals(ids(g.getAsJsonArray("context_ids")), e.context(), item.task() + " " + item.docId());
                assertArrayEquals(ids(g.getAsJsonArray("continuation_ids")), e.continuation(), item.task());
                truncated |= e.length() == llm.config().maxPositions() + 1;
            }
        }
        assertEquals(goldens.size(), i);
        assertTrue(truncated, "some MMLU prompt should exceed the tiny model's 256-token context");
    }

    /** Counts what reaches the model: calls and tokens fed. */
    private static final class Counting implements LoglikelihoodScorer.Backend {
        final LoglikelihoodScorer.Backend inner = LoglikelihoodScorer.backend(llm.languageModel().scorer());
        int calls;
        int contextReads;
        long tokens;

        @Override
        public List<List<TokenScores>> scoreContinuations(List<long[]> contexts, List<List<long[]>> continuations,
                int rowsPerPass) {
            calls++;
            for (int q = 0; q < contexts.size(); q++) {
                contextReads++;
                tokens += contexts.get(q).length;
                for (long[] c : continuations.get(q)) {
                    tokens += c.length - 1;
                }
            }
            return inner.scoreContinuations(contexts, continuations, rowsPerPass);
        }

        @Override
        public List<TokenScores> scoreBatch(List<long[]> sequences, int[] from) {
            calls++;
            for (long[] s : sequences) {
                tokens += s.length - 1;
            }
            return inner.scoreBatch(sequences, from);
        }
    }

    @Test
    void sharedContextScoringEqualsIndependentScoringAndReadsEachContextOnce() throws IOException {
        Evaluator.Plan hellaswag = Evaluator.plan(List.of(Task.HELLASWAG, Task.OPENBOOKQA), EvalFixtures.dataDir(), 0);
        RequestEncoder encoder = new RequestEncoder(llm.tokenizer(), llm.config().maxPositions());
        List<RequestEncoder.Encoded> encoded = new ArrayList<>();
        long contextTokens = 0;
        long continuationTokens = 0;
        long independentTokens = 0;
        for (Item item : hellaswag.items()) {
            long[] first = null;
            for (Request r : item.requests()) {
                RequestEncoder.Encoded e = encoder.encode(r);
                encoded.add(e);
                if (first == null) {
                    first = e.context();
                    contextTokens += first.length;
                }
                continuationTokens += e.continuation().length - 1;
                independentTokens += e.length() - 1;
            }
        }
        Counting shared = new Counting();
        LoglikelihoodScorer.Scores a = new LoglikelihoodScorer(shared, 8, true).score(encoded, n -> {});
        Counting independent = new Counting();
        LoglikelihoodScorer.Scores b = new LoglikelihoodScorer(independent, 8, false).score(encoded, n -> {});

        // One context read per question, several questions per call; the continuations' tokens less their last.
        assertEquals(hellaswag.items().size(), shared.contextReads);
        assertTrue(shared.calls < hellaswag.items().size(), shared.calls + " calls");
        assertEquals(contextTokens + continuationTokens, shared.tokens);
        assertEquals(independentTokens, independent.tokens);
        assertTrue(shared.tokens < independent.tokens, shared.tokens + " vs " + independent.tokens);
        // Same numbers up to float32 rounding: the same products summed in another order.
        for (int i = 0; i < encoded.size(); i++) {
            assertEquals(b.loglikelihoods()[i], a.loglikelihoods()[i], 1e-4, "request " + i);
            assertEquals(b.greedy()[i], a.greedy()[i], "request " + i);
        }
    }

    @Test
    void sharedContextScoresEqualTokenByTokenScores() {
        long[] context = llm.tokenizer().encode("The quick brown fox");
        List<long[]> continuations = List.of(llm.tokenizer().encode(" jumps over the dog", false),
                llm.tokenizer().encode(" sleeps", false), llm.tokenizer().encode(" is quick and brown today", false));
        List<TokenScores> together = llm.languageModel().scorer().scoreContinuations(context, continuations);
        for (int j = 0; j < continuations.size(); j++) {
            long[] whole = concat(context, continuations.get(j));
            double[] each = llm.score(whole);
            double[] expected = Arrays.copyOfRange(each, context.length, whole.length);
            double[] actual = together.get(j).logprobs();
            assertEquals(expected.length, actual.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "continuation " + j + " token " + i);
            }
        }
    }

    @Test
    void contextsOfDifferentLengthsPaddedTogetherScoreAsEachAlone() {
        List<long[]> contexts = List.of(llm.tokenizer().encode("The quick brown fox"),
                llm.tokenizer().encode("A"), llm.tokenizer().encode("Once upon a time there was a small green frog"));
        List<List<long[]>> continuations = List.of(
                List.of(llm.tokenizer().encode(" jumps over the dog", false), llm.tokenizer().encode(" sleeps", false)),
                List.of(llm.tokenizer().encode(" b", false), llm.tokenizer().encode(" long tail of many words", false),
                        llm.tokenizer().encode(" c", false)),
                List.of(llm.tokenizer().encode(" who", false)));
        // Two continuation rows per pass: the six multi-token continuations take three passes over one cache.
        List<List<TokenScores>> together = llm.languageModel().scorer().scoreContinuations(contexts, continuations, 2);
        for (int q = 0; q < contexts.size(); q++) {
            for (int j = 0; j < continuations.get(q).size(); j++) {
                long[] whole = concat(contexts.get(q), continuations.get(q).get(j));
                double[] expected = Arrays.copyOfRange(llm.score(whole), contexts.get(q).length, whole.length);
                double[] actual = together.get(q).get(j).logprobs();
                assertEquals(expected.length, actual.length);
                for (int i = 0; i < expected.length; i++) {
                    // float32 rounding only: left padding shifts the rotary angles, not the distances they encode.
                    assertEquals(expected[i], actual[i], 1e-4, "context " + q + " continuation " + j + " token " + i);
                }
            }
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Requests per second on the tiny model with and without shared-context reuse, printed for the report:
     * the zero-shot fixtures (short contexts) and the 5-shot MMLU fixtures (contexts of about 250 tokens).
     */
    @Test
    void throughputWithAndWithoutContextReuse() throws IOException {
        for (List<Task> tasks : List.of(Task.COMMONSENSE, List.of(Task.MMLU))) {
            Evaluator.Plan p = Evaluator.plan(tasks, EvalFixtures.dataDir(), 0);
            double[] rates = new double[2];
            // Each way twice, alternating, keeping the better: the first passes also warm up the engine.
            for (int k = 0; k < 4; k++) {
                rates[k % 2] = Math.max(rates[k % 2], p.run(llm, 8, k % 2 == 0, Evaluator.Listener.NONE)
                        .requestsPerSecond());
            }
            System.out.printf(Locale.ROOT, "eval throughput on the tiny model, %s (%d requests): %.1f req/s with "
                    + "context reuse, %.1f req/s without%n", tasks.size() > 1 ? "zero-shot" : "mmlu 5-shot",
                    p.requestCount(), rates[0], rates[1]);
            assertTrue(rates[0] > 0 && rates[1] > 0);
        }
    }
}
