package io.github.tinyllama.eval;

import io.github.tinyllama.generate.TokenScorer;
import io.github.tinyllama.generate.TokenScores;

import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Scores encoded requests: the sum of the continuation's token log-probabilities and whether every
 * continuation token is the model's greedy choice.
 *
 * <p>With context sharing (the default), requests whose contexts are the same tokens (the choices of one
 * question) form a group, and up to {@code batchSize} groups of like context lengths are scored together:
 * their contexts run through the model once, as one left-padded batch, and all their continuations run in one more pass over copies of the
 * contexts' KV cache rows ({@link TokenScorer#scoreContinuations(List, List, int)}); groups go longest
 * context first, so that contexts of like lengths share a batch and padding stays small. Requests with a
 * context of their own (WinoGrande's) and, without sharing, all requests are scored as lm-evaluation-harness
 * does: sorted by length, longest first, and run {@code batchSize} at a time, right-padded
 * ({@link TokenScorer#scoreBatch}).
 */
public final class LoglikelihoodScorer {

    /** What the scorer needs from a model; {@link #backend(TokenScorer)} adapts a {@link TokenScorer}. */
    public interface Backend {
        /** See {@link TokenScorer#scoreContinuations(List, List, int)}. */
        List<List<TokenScores>> scoreContinuations(List<long[]> contexts, List<List<long[]>> continuations,
                int rowsPerPass);

        /** See {@link TokenScorer#scoreBatch(List, int[])}. */
        List<TokenScores> scoreBatch(List<long[]> sequences, int[] from);
    }

    /** Left padding, in tokens, that a context may always get in a shared batch. */
    private static final int MAX_CHEAP_PADDING = 64;

    /** The scores of requests, in request order. */
    public record Scores(double[] loglikelihoods, boolean[] greedy) {}

    private final Backend backend;
    private final int batchSize;
    private final boolean shareContexts;

    /**
     * @param backend the model
     * @param batchSize requests per forward pass; with shared contexts, questions per batch (their contexts in one
     *     pass, all their continuations in one more); at least 1
     * @param shareContexts whether the choices of one context read it once
     */
    public LoglikelihoodScorer(Backend backend, int batchSize, boolean shareContexts) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, not " + batchSize);
        }
        this.backend = backend;
        this.batchSize = batchSize;
        this.shareContexts = shareContexts;
    }

    /** A model's {@link TokenScorer} as a backend. */
    public static Backend backend(TokenScorer scorer) {
        return new Backend() {
            @Override
            public List<List<TokenScores>> scoreContinuations(List<long[]> contexts,
                    List<List<long[]>> continuations, int rowsPerPass) {
                return scorer.scoreContinuations(contexts, continuations, rowsPerPass);
            }

            @Override
            public List<TokenScores> scoreBatch(List<long[]> sequences, int[] from) {
                return scorer.scoreBatch(sequences, from);
            }
        };
    }

    /**
     * Scores requests.
     *
     * @param requests the encoded requests
     * @param progress told how many more requests are done after each forward pass
     * @return the scores, in request order
     */
    public Scores score(List<RequestEncoder.Encoded> requests, IntConsumer progress) {
        int n = requests.size();
        double[] lls = new double[n];
        boolean[] greedy = new boolean[n];
        List<List<Integer>> shared = new ArrayList<>();
        List<Integer> alone = new ArrayList<>();
        if (shareContexts) {
            Map<LongBuffer, List<Integer>> byContext = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                byContext.computeIfAbsent(LongBuffer.wrap(requests.get(i).context()), k -> new ArrayList<>()).add(i);
            }
            for (List<Integer> group : byContext.values()) {
                if (group.size() > 1) {
                    shared.add(group);
                } else {
                    alone.add(group.get(0));
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                alone.add(i);
            }
        }

        // Longest context first: a context that does not fit fails at once, and like lengths pad little.
        shared.sort(Comparator.comparingInt((List<Integer> g) -> -requests.get(g.get(0)).context().length));
        for (int start = 0, end; start < shared.size(); start = end) {
            // Up to batchSize questions, but none that would be padded by more than its own length and more than
            // MAX_CHEAP_PADDING tokens: a zero-shot question beside 5-shot MMLU prompts would cost ten times its
            // length, while a few dozen positions of padding cost less than one more pass.
            int longest = requests.get(shared.get(start).get(0)).context().length;
            end = start + 1;
            while (end < shared.size() && end - start < batchSize) {
                int length = requests.get(shared.get(end).get(0)).context().length;
                int padding = longest - length;
                if (padding > length && padding > MAX_CHEAP_PADDING) {
                    break;
                }
                end++;
            }
            List<List<Integer>> batch = shared.subList(start, end);
            int rows = 0;
            List<long[]> contexts = new ArrayList<>(batch.size());
            List<List<long[]>> continuations = new ArrayList<>(batch.size());
            for (List<Integer> group : batch) {
                rows += group.size();
                contexts.add(requests.get(group.get(0)).context());
                List<long[]> mine = new ArrayList<>(group.size());
                for (int i : group) {
                    mine.add(requests.get(i).continuation());
                }
                continuations.add(mine);
            }
            // All continuations of the batch in one pass: they are short, and on small models the number of
            // passes, not their width, sets the time.
            List<List<TokenScores>> scores = backend.scoreContinuations(contexts, continuations, Integer.MAX_VALUE);
            for (int g = 0; g < batch.size(); g++) {
                List<Integer> group = batch.get(g);
                for (int j = 0; j < group.size(); j++) {
                    lls[group.get(j)] = scores.get(g).get(j).sum();
                    greedy[group.get(j)] = scores.get(g).get(j).greedy();
                }
            }
            progress.accept(rows);
        }

        alone.sort(Comparator.comparingInt((Integer i) -> -requests.get(i).length()));
        for (int start = 0; start < alone.size(); start += batchSize) {
            List<Integer> chunk = alone.subList(start, Math.min(alone.size(), start + batchSize));
            List<long[]> sequences = new ArrayList<>(chunk.size());
            int[] from = new int[chunk.size()];
            for (int j = 0; j < chunk.size(); j++) {
                RequestEncoder.Encoded e = requests.get(chunk.get(j));
                long[] s = new long[e.length()];
                System.arraycopy(e.context(), 0, s, 0, e.context().length);
                System.arraycopy(e.continuation(), 0, s, e.context().length, e.continuation().length);
                sequences.add(s);
                from[j] = e.context().length;
            }
            List<TokenScores> scores = backend.scoreBatch(sequences, from);
            for (int j = 0; j < chunk.size(); j++) {
                lls[chunk.get(j)] = scores.get(j).sum();
                greedy[chunk.get(j)] = scores.get(j).greedy();
            }
            progress.accept(chunk.size());
        }
        return new Scores(lls, greedy);
    }
}
