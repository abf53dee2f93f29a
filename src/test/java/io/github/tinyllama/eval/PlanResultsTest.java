package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.tinyllama.generate.TokenScores;
import io.github.tinyllama.testing.SharedTokenizer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Evaluator.Plan#results}: the metrics of scores computed elsewhere (the Spark job scores the items in
 * pieces, one per task) equal those of {@link Evaluator.Plan#run} on the same scores.
 */
class PlanResultsTest {

    /** Scores that depend on the tokens only, so any batching gives exactly the same numbers. */
    private static final LoglikelihoodScorer.Backend BY_TOKEN = new LoglikelihoodScorer.Backend() {
        @Override
        public List<List<TokenScores>> scoreContinuations(List<long[]> contexts, List<List<long[]>> continuations,
                int rowsPerPass) {
            List<List<TokenScores>> out = new ArrayList<>();
            for (List<long[]> group : continuations) {
                out.add(group.stream().map(c -> scores(c, 0)).toList());
            }
            return out;
        }

        @Override
        public List<TokenScores> scoreBatch(List<long[]> sequences, int[] from) {
            List<TokenScores> out = new ArrayList<>();
            for (int i = 0; i < sequences.size(); i++) {
                out.add(scores(sequences.get(i), from[i]));
            }
            return out;
        }
    };

    private static TokenScores scores(long[] tokens, int from) {
        double[] logprobs = new double[tokens.length - from];
        boolean greedy = true;
        for (int i = from; i < tokens.length; i++) {
            logprobs[i - from] = -(tokens[i] % 13) / 10.0;
            greedy &= tokens[i] % 2 == 0;
        }
        return new TokenScores(logprobs, greedy);
    }

    @Test
    void scoresComputedInPiecesGiveTheResultsOfOneRun() throws IOException {
        RequestEncoder encoder = new RequestEncoder(SharedTokenizer.tokenizer(), 2048);
        Evaluator.Plan plan = Evaluator.plan(List.of(Task.values()), EvalFixtures.dataDir(), 0);
        Evaluator.Results whole = plan.run(encoder, new LoglikelihoodScorer(BY_TOKEN, 4, true), Evaluator.Listener.NONE);

        List<Item> items = plan.items();
        int half = items.size() / 2;
        double[] lls = new double[plan.requestCount()];
        boolean[] greedy = new boolean[lls.length];
        int next = 0;
        for (List<Item> piece : List.of(items.subList(0, half), items.subList(half, items.size()))) {
            List<RequestEncoder.Encoded> encoded = new ArrayList<>();
            piece.forEach(item -> item.requests().forEach(r -> encoded.add(encoder.encode(r))));
            LoglikelihoodScorer.Scores scores = new LoglikelihoodScorer(BY_TOKEN, 3, true).score(encoded, n -> {});
            System.arraycopy(scores.loglikelihoods(), 0, lls, next, encoded.size());
            System.arraycopy(scores.greedy(), 0, greedy, next, encoded.size());
            next += encoded.size();
        }
        Evaluator.Results joined = plan.results(new LoglikelihoodScorer.Scores(lls, greedy), 1.0);
        assertEquals(whole.tasks(), joined.tasks());
        assertEquals(whole.samples(), joined.samples());
    }

    @Test
    void scoresForAnotherNumberOfRequestsAreRefused() throws IOException {
        Evaluator.Plan plan = Evaluator.plan(List.of(Task.PIQA), EvalFixtures.dataDir(), 0);
        int n = plan.requestCount() - 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plan.results(new LoglikelihoodScorer.Scores(new double[n], new boolean[n]), 1.0));
        assertEquals(n + " scores for " + (n + 1) + " requests", e.getMessage());
    }
}
