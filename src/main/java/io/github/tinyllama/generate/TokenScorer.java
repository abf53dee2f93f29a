package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaNetwork;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Log-probabilities of given tokens under a {@link LanguageModel}: one sequence, batches of sequences (as
 * lm-evaluation-harness batches requests), or continuations of shared contexts that read each context once.
 * Holds no state of its own: get one from {@link LanguageModel#scorer()} whenever needed. Every pass runs in its
 * own {@link NDScope}, so nothing allocated for it outlives the call.
 */
public final class TokenScorer {

    private final LanguageModel model;
    private final LlamaNetwork network;

    TokenScorer(LanguageModel model) {
        this.model = model;
        this.network = model.network();
    }

    /**
     * Scores a token sequence: {@code logprobs[i] = log P(ids[i] | ids[0..i-1])} for {@code i >= 1}.
     *
     * @param ids the tokens, used as given (include BOS if the model expects it)
     * @return log-probabilities; element 0 is {@code NaN} because the first token has no context
     */
    public double[] score(long[] ids) {
        model.checkIds(ids);
        if (ids.length == 0 || ids.length - 1 > config().maxPositions()) {
            throw new IllegalArgumentException("cannot score " + ids.length + " tokens: give 1 to "
                    + (config().maxPositions() + 1) + " (the model reads all but the last, and its context is "
                    + config().maxPositions() + ")");
        }
        double[] out = new double[ids.length];
        out[0] = Double.NaN;
        if (ids.length == 1) {
            return out;
        }
        try (Session session = model.newSession(ids.length - 1)) {
            double[] scored = session.score(ids, 1).logprobs();
            System.arraycopy(scored, 0, out, 1, scored.length);
        }
        return out;
    }

    /**
     * Scores several continuations of one context, reading the context once; see
     * {@link #scoreContinuations(List, List, int)}.
     *
     * @param context the shared context, used as given (include BOS if the model expects it); at least one token
     * @param continuations the continuations, each at least one token
     * @return one {@link TokenScores} per continuation, in order
     */
    public List<TokenScores> scoreContinuations(long[] context, List<long[]> continuations) {
        return scoreContinuations(List.of(context), List.of(continuations), Integer.MAX_VALUE).get(0);
    }

    /**
     * Scores the continuations of several contexts, reading each context once, in batched passes: the
     * contexts run together, left-padded so that they all end at the same position, and their keys and values
     * are copied to one cache row per continuation; then the continuations (less their last token) run
     * together, {@code rowsPerPass} at a time, right-padded, after those rows. Padded positions are hidden from
     * every row ({@link LlamaNetwork#forward(ParameterStore, NDArray, KvCache, NDArray, boolean, boolean)}), and
     * only the real positions of the second pass go through the vocabulary projection.
     * Continuation {@code j} of context {@code q} gets {@code log P(c[i] | context_q, c[0..i-1])} for each of its
     * tokens. When the padded widths of both passes together exceed the model's context, the contexts are
     * scored in smaller groups.
     *
     * @param contexts the contexts, used as given (include BOS if the model expects it); each at least one token
     * @param continuations for each context its continuations, each at least one token
     * @param rowsPerPass the most continuations in one pass of the second kind; more run in further passes over
     *     the same context cache
     * @return for each context one {@link TokenScores} per continuation, in order
     * @throws IllegalArgumentException if a sequence is empty, holds ids outside the vocabulary, or a context and
     *     its longest continuation (less its last token) exceed the model's context
     */
    public List<List<TokenScores>> scoreContinuations(List<long[]> contexts, List<List<long[]>> continuations,
            int rowsPerPass) {
        if (rowsPerPass < 1) {
            throw new IllegalArgumentException("at least one row per pass, not " + rowsPerPass);
        }
        if (contexts.size() != continuations.size()) {
            throw new IllegalArgumentException(contexts.size() + " contexts but " + continuations.size()
                    + " lists of continuations");
        }
        for (int q = 0; q < contexts.size(); q++) {
            checkFits(contexts.get(q), continuations.get(q));
        }
        List<List<TokenScores>> out = new ArrayList<>(contexts.size());
        if (contexts.isEmpty()) {
            return out;
        }
        if (contexts.size() > 1 && paddedWidth(contexts, continuations) > config().maxPositions()) {
            int half = contexts.size() / 2;
            out.addAll(scoreContinuations(contexts.subList(0, half), continuations.subList(0, half), rowsPerPass));
            out.addAll(scoreContinuations(contexts.subList(half, contexts.size()),
                    continuations.subList(half, contexts.size()), rowsPerPass));
            return out;
        }
        return scorePadded(contexts, continuations, rowsPerPass);
    }

    private void checkFits(long[] context, List<long[]> continuations) {
        model.checkIds(context);
        int longest = 0;
        for (long[] c : continuations) {
            model.checkIds(c);
            if (c.length == 0) {
                throw new IllegalArgumentException("a continuation to score is empty");
            }
            longest = Math.max(longest, c.length);
        }
        if (context.length == 0 || (long) context.length + longest - 1 > config().maxPositions()) {
            throw new IllegalArgumentException("cannot score continuations of up to " + longest
                    + " tokens after a " + context.length + "-token context: give a context of at least 1 token"
                    + " and at most " + config().maxPositions() + " tokens together (the model's context)");
        }
    }

    /** Positions {@link #scorePadded} needs: the longest context plus the longest continuation less one. */
    private static long paddedWidth(List<long[]> contexts, List<List<long[]>> continuations) {
        long context = 0;
        long continuation = 0;
        for (int q = 0; q < contexts.size(); q++) {
            context = Math.max(context, contexts.get(q).length);
            for (long[] c : continuations.get(q)) {
                continuation = Math.max(continuation, c.length - 1);
            }
        }
        return context + continuation;
    }

    private List<List<TokenScores>> scorePadded(List<long[]> contexts, List<List<long[]>> continuations,
            int rowsPerPass) {
        LeftPadded padded = LeftPadded.of(contexts);
        // One row per continuation; only those of two or more tokens need the second pass.
        List<Row> rows = new ArrayList<>();
        for (int q = 0; q < contexts.size(); q++) {
            for (int j = 0; j < continuations.get(q).size(); j++) {
                long[] tokens = continuations.get(q).get(j);
                if (tokens.length > 1) {
                    rows.add(new Row(q, j, tokens));
                }
            }
        }
        int b = contexts.size();
        Device device = model.model().getNDManager().getDevice();
        try (NDScope scope = new NDScope(); NDManager step = model.model().getNDManager().newSubManager();
                KvCache contextCache = new KvCache(config(), b, padded.width(), device)) {
            scope.suppressNotUsedWarning();
            ContextPass pass = new ContextPass(new ParameterStore(step, false), step, contextCache, padded);
            List<List<TokenScores>> scores = firstTokens(pass, contexts, continuations);
            for (int start = 0; start < rows.size(); start += rowsPerPass) {
                List<Row> chunk = rows.subList(start, Math.min(rows.size(), start + rowsPerPass));
                List<TokenScores> rest = scoreRows(pass, chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    List<TokenScores> ofContext = scores.get(chunk.get(i).context());
                    int j = chunk.get(i).index();
                    ofContext.set(j, ofContext.get(j).followedBy(rest.get(i)));
                }
            }
            return scores;
        }
    }

    /**
     * The first pass of {@link #scorePadded}: the contexts, left-padded, into the pass's cache; returns for each
     * continuation the score of its first token, which the contexts' last positions predict.
     */
    private List<List<TokenScores>> firstTokens(ContextPass pass, List<long[]> contexts,
            List<List<long[]>> continuations) {
        int b = contexts.size();
        LeftPadded padded = pass.contexts();
        NDManager step = pass.manager();
        NDArray mask = padded.any() ? step.create(padded.padding()).reshape(b, padded.width()) : null;
        NDArray last = network.forward(pass.parameters(), step.create(padded.ids()).reshape(b, padded.width()),
                pass.cache(), mask, true, false).logSoftmax(-1).reshape(b, -1);
        float[] lastLogprobs = last.toFloatArray();
        long[] lastBest = last.argMax(-1).toLongArray();
        int vocab = config().vocabSize();
        List<List<TokenScores>> out = new ArrayList<>(b);
        for (int q = 0; q < b; q++) {
            List<TokenScores> ofContext = new ArrayList<>(continuations.get(q).size());
            for (long[] c : continuations.get(q)) {
                double first = lastLogprobs[q * vocab + (int) c[0]];
                ofContext.add(new TokenScores(new double[] {first}, c[0] == lastBest[q]));
            }
            out.add(ofContext);
        }
        return out;
    }

    /**
     * The second pass of {@link #scorePadded}: continuations (less their last token) after copies of their
     * contexts' cache rows, right-padded to the longest; returns, per row, the scores of each continuation's
     * tokens after its first.
     */
    private List<TokenScores> scoreRows(ContextPass pass, List<Row> rows) {
        int width = pass.cache().length();
        int[] pad = pass.contexts().pad();
        int longest = 0;
        for (Row row : rows) {
            longest = Math.max(longest, row.tokens().length - 1);
        }
        int r = rows.size();
        int[] source = new int[r];
        long[] input = new long[r * longest];
        boolean[] rowPadding = new boolean[r * (width + longest)];
        for (int i = 0; i < r; i++) {
            Row row = rows.get(i);
            source[i] = row.context();
            System.arraycopy(row.tokens(), 0, input, i * longest, row.tokens().length - 1);
            Arrays.fill(rowPadding, i * (width + longest), i * (width + longest) + pad[row.context()], true);
        }
        try (NDScope scope = new NDScope(); NDManager step = pass.manager().newSubManager();
                KvCache rowCache = pass.cache().select(source, width + longest)) {
            scope.suppressNotUsedWarning();
            ParameterStore ps = pass.parameters();
            NDArray rowMask = pass.contexts().any() ? step.create(rowPadding).reshape(r, width + longest) : null;
            NDArray hidden = network.hiddenStates(ps, step.create(input).reshape(r, longest), rowCache, rowMask,
                    false);
            // Only the real positions go through the vocabulary projection: rows shorter than the longest would
            // otherwise pay for their padding with full-vocabulary logits.
            int scored = 0;
            for (Row row : rows) {
                scored += row.tokens().length - 1;
            }
            long[] positions = new long[scored];
            long[] wanted = new long[scored];
            for (int i = 0, k = 0; i < r; i++) {
                long[] c = rows.get(i).tokens();
                for (int t = 1; t < c.length; t++, k++) {
                    positions[k] = (long) i * longest + t - 1;
                    wanted[k] = c[t];
                }
            }
            NDArray real = hidden.reshape(-1, hidden.getShape().get(2)).get(new NDIndex("{}", step.create(positions)));
            NDArray lp = network.logits(ps, real, false).logSoftmax(-1);
            float[] picked = lp.gather(step.create(wanted).reshape(scored, 1), -1).toFloatArray();
            long[] best = lp.argMax(-1).toLongArray();
            List<TokenScores> out = new ArrayList<>(r);
            int k = 0;
            for (Row row : rows) {
                long[] c = row.tokens();
                double[] values = new double[c.length - 1];
                boolean greedy = true;
                for (int t = 1; t < c.length; t++, k++) {
                    values[t - 1] = picked[k];
                    greedy &= best[k] == c[t];
                }
                out.add(new TokenScores(values, greedy));
            }
            return out;
        }
    }

    /**
     * Scores several token sequences in one forward pass, right-padded to the longest (as
     * lm-evaluation-harness batches requests): each sequence is scored from index {@code from[i]} on,
     * every token given everything before it in its own sequence.
     *
     * @param sequences the sequences, used as given; each at least two tokens and at most the model's
     *     context plus one (the last token is only a target)
     * @param from for each sequence the index of its first scored token, 1 to {@code length - 1}
     * @return one {@link TokenScores} per sequence, in order
     * @throws IllegalArgumentException if a sequence does not fit or an index is out of range
     */
    public List<TokenScores> scoreBatch(List<long[]> sequences, int[] from) {
        if (from.length != sequences.size()) {
            throw new IllegalArgumentException(sequences.size() + " sequences but " + from.length + " start indices");
        }
        int width = 0;
        for (int j = 0; j < from.length; j++) {
            long[] s = sequences.get(j);
            model.checkIds(s);
            if (from[j] < 1 || from[j] > s.length - 1 || s.length - 1 > config().maxPositions()) {
                throw new IllegalArgumentException("cannot score from index " + from[j] + " of " + s.length
                        + " tokens with a context of " + config().maxPositions());
            }
            width = Math.max(width, s.length - 1);
        }
        List<TokenScores> out = new ArrayList<>(from.length);
        if (from.length == 0) {
            return out;
        }
        int b = from.length;
        // Only positions from the earliest scored one on need a log-softmax over the vocabulary.
        int first = width;
        for (int f : from) {
            first = Math.min(first, f - 1);
        }
        int kept = width - first;
        long[] input = new long[b * width];
        long[] targets = new long[b * kept];
        for (int j = 0; j < b; j++) {
            long[] s = sequences.get(j);
            System.arraycopy(s, 0, input, j * width, s.length - 1);
            System.arraycopy(s, first + 1, targets, j * kept, s.length - 1 - first);
        }
        float[] picked;
        long[] best;
        try (NDScope scope = new NDScope(); NDManager step = model.model().getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray logits = network.forward(new ParameterStore(step, false), step.create(input).reshape(b, width),
                    null, false, false);
            NDArray lp = logits.get(new NDIndex().addAllDim().addSliceDim(first, width)).logSoftmax(-1);
            picked = lp.gather(step.create(targets).reshape(b, kept, 1), -1).toFloatArray();
            best = lp.argMax(-1).toLongArray();
        }
        for (int j = 0; j < b; j++) {
            long[] s = sequences.get(j);
            double[] values = new double[s.length - from[j]];
            boolean greedy = true;
            for (int i = from[j]; i < s.length; i++) {
                values[i - from[j]] = picked[j * kept + i - 1 - first];
                greedy &= best[j * kept + i - 1 - first] == s[i];
            }
            out.add(new TokenScores(values, greedy));
        }
        return out;
    }

    /**
     * Runs {@code input} after the cached tokens and returns, for each input position, the
     * log-probability of {@code targets[i]} and whether it is the most likely token there.
     */
    TokenScores.PerPosition scoreWithCache(long[] input, long[] targets, KvCache cache) {
        try (NDScope scope = new NDScope(); NDManager step = model.model().getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray ids = step.create(input).reshape(1, input.length);
            NDArray logProbs = network.forward(new ParameterStore(step, false), ids, cache, false, false)
                    .logSoftmax(-1);
            NDArray wanted = step.create(targets).reshape(1, targets.length, 1);
            float[] picked = logProbs.gather(wanted, -1).toFloatArray();
            long[] best = logProbs.argMax(-1).toLongArray();
            double[] values = new double[targets.length];
            boolean[] isBest = new boolean[targets.length];
            for (int i = 0; i < targets.length; i++) {
                values[i] = picked[i];
                isBest[i] = best[i] == targets[i];
            }
            return new TokenScores.PerPosition(values, isBest);
        }
    }

    private LlamaConfig config() {
        return network.config();
    }

    /** Continuation {@code index} of context {@code context}, scored in the second pass. */
    private record Row(int context, int index, long[] tokens) {}

    /** The shared state of one {@link #scorePadded} call: its parameters, manager, context cache and padding. */
    private record ContextPass(ParameterStore parameters, NDManager manager, KvCache cache, LeftPadded contexts) {}

    /**
     * Contexts left-padded into rows of one width: context {@code q} sits at the right end of row {@code q},
     * after {@code pad[q]} padding positions.
     *
     * @param ids the rows, one after the other
     * @param padding which positions of {@code ids} are padding
     * @param pad per row, its padding positions
     * @param width the longest context
     * @param any whether any row is padded at all (when none is, no mask is needed)
     */
    private record LeftPadded(long[] ids, boolean[] padding, int[] pad, int width, boolean any) {

        static LeftPadded of(List<long[]> contexts) {
            int b = contexts.size();
            int width = 0;
            for (long[] c : contexts) {
                width = Math.max(width, c.length);
            }
            int[] pad = new int[b];
            long[] ids = new long[b * width];
            boolean[] padding = new boolean[b * width];
            boolean any = false;
            for (int q = 0; q < b; q++) {
                long[] c = contexts.get(q);
                pad[q] = width - c.length;
                any |= pad[q] > 0;
                System.arraycopy(c, 0, ids, q * width + pad[q], c.length);
                Arrays.fill(padding, q * width, q * width + pad[q], true);
            }
            return new LeftPadded(ids, padding, pad, width, any);
        }
    }
}
