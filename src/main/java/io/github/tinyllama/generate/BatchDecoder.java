package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes many sequences together, one batched forward pass per step, with sequences joining and
 * leaving between steps (continuous batching).
 *
 * <p>A sequence submitted here is first prefilled in a cache of its own, as {@link LanguageModel#generate}
 * would: its first token comes from that pass. Sequences waiting at the same step are prefilled together,
 * one row each of one cache, in a single {@link ScriptedStep#prefill} call when the model has a scripted step
 * (one by one with the Blocks). At the next step each is copied into the shared cache and from then on each
 * step feeds every running sequence its last token in one {@code [rows, 1]} pass. With the scripted step the
 * rows sit left-aligned, each at its own positions; with the Blocks they are right-aligned, each row carries
 * its own rotary position ({@link io.github.tinyllama.nn.LlamaNetwork#hiddenStates(ParameterStore, NDArray,
 * KvCache, NDArray, long[], boolean)}) and the columns left of its start are hidden by a padding mask. Either
 * way a row computes what it computes alone whatever else shares the batch (up to float rounding). A
 * sequence that ends (end of sequence, budget, stop, cancel) leaves at once; the shared cache is rebuilt
 * only when the set of rows changes, sized to what the remaining rows can still need.
 *
 * <p>{@link #step()} is meant for one thread (a scheduler); {@link #submit} and
 * {@link Sequence#cancel()} may be called from any thread.
 */
public final class BatchDecoder implements AutoCloseable {

    /** Receives each new token of one sequence (never an end-of-sequence token) with its log-probability. */
    @FunctionalInterface
    public interface TokenListener {
        /**
         * Takes one new token.
         *
         * @param id the token id
         * @param logprob its log-probability under the model (before penalties and temperature)
         * @param top the most likely tokens at this position, as many as {@link #submit(long[], GenerationConfig,
         *     int, TokenListener)} asked for (none by default)
         * @return {@code true} to go on, {@code false} to stop here (a stop string was reached)
         */
        boolean accept(long id, double logprob, Alternatives top);
    }

    /**
     * Prompt tokens prefilled together at most (one longer prompt runs alone): enough rows for the products to
     * run near their peak; more would only hold back the first tokens of the earlier prompts, and the running
     * sequences' next step.
     */
    static final int PREFILL_TOKENS = 256;

    private final LanguageModel model;
    private final int maxRows;
    private final Device device;
    /**
     * The model's scripted step when it has one: rows then sit left-aligned in the shared cache, each at its own
     * positions, and a step is one native call; without it the Blocks run over right-aligned rows and a mask.
     */
    private final ScriptedStep scripted;
    private final Queue<Sequence> waiting = new ConcurrentLinkedQueue<>();
    /** Sequences in the shared cache, in row order. */
    private final List<Sequence> rows = new ArrayList<>();
    /** Prefilled sequences with a cache of their own, joining at the next rebuild. */
    private final List<Sequence> joining = new ArrayList<>();
    private KvCache cache;
    private boolean changed;
    private volatile int running;
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile long cachedBytes;
    private boolean closed;

    /**
     * Creates a decoder over a loaded model.
     *
     * @param model the model (its weights are shared, not copied); its engine cannot change until this closes
     * @param maxRows the most sequences decoded together; more wait for a free row
     */
    public BatchDecoder(LanguageModel model, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("a batch holds at least one sequence, not " + maxRows);
        }
        this.model = model;
        this.maxRows = maxRows;
        this.device = model.model().getNDManager().getDevice();
        this.scripted = model.holdEngine().orElse(null);
    }

    /** The model decoded. */
    public LanguageModel model() {
        return model;
    }

    /** The most sequences decoded together. */
    public int maxRows() {
        return maxRows;
    }

    /**
     * Queues a sequence; it is prefilled at the next {@link #step()} with a free row.
     *
     * @param promptIds the prompt's token ids, used as given (no BOS added)
     * @param config budget, sampling and stop rules (stop strings are the listener's business)
     * @param listener receives each new token on the stepping thread; returning {@code false} ends the sequence
     * @return the sequence, whose {@link Sequence#result()} completes when it ends
     * @throws IllegalArgumentException if the prompt is empty, holds ids outside the vocabulary, or does not fit
     */
    public Sequence submit(long[] promptIds, GenerationConfig config, TokenListener listener) {
        return submit(promptIds, config, 0, listener);
    }

    /**
     * {@link #submit(long[], GenerationConfig, TokenListener)}, with the {@code topLogprobs} most likely tokens of
     * each position handed to the listener beside the chosen one.
     *
     * @throws IllegalArgumentException also if {@code topLogprobs} is negative
     */
    public Sequence submit(long[] promptIds, GenerationConfig config, int topLogprobs, TokenListener listener) {
        if (topLogprobs < 0) {
            throw new IllegalArgumentException("the number of top log-probabilities must not be negative, not "
                    + topLogprobs);
        }
        Sequence s = new Sequence(model.fitPrompt(promptIds, config), config, topLogprobs, listener);
        unfinished.incrementAndGet();
        waiting.add(s);
        return s;
    }

    /** Whether any sequence is waiting or running. */
    public boolean hasWork() {
        return !waiting.isEmpty() || running > 0;
    }

    /** Sequences submitted and not yet ended, waiting or running; exact at every moment. */
    public int unfinished() {
        return unfinished.get();
    }

    /** Sequences submitted but not yet prefilled. */
    public int waiting() {
        return waiting.size();
    }

    /** Sequences prefilled and not yet ended (each holds a KV-cache row). */
    public int running() {
        return running;
    }

    /** Bytes of KV cache held now (the shared cache and the caches of joining sequences); 0 when idle. */
    public long cachedBytes() {
        return cachedBytes;
    }

    /**
     * Runs one step: prefills waiting sequences while rows are free, rebuilds the shared cache if the set of
     * rows changed, and decodes one token for every running sequence.
     *
     * @throws RuntimeException if the engine fails; every running sequence then ends with that failure and the
     *     decoder is left empty and usable
     */
    public void step() {
        try {
            admit();
            rows.removeIf(this::leaves);
            changed |= !joining.isEmpty();
            if (changed) {
                rebuild();
            }
            if (!rows.isEmpty()) {
                decode();
            }
        } catch (RuntimeException | Error e) {
            failAll(e);
            throw e;
        } finally {
            account();
        }
    }

    private void admit() {
        List<Sequence> arriving = new ArrayList<>();
        int tokens = 0;
        while (rows.size() + joining.size() + arriving.size() < maxRows && !waiting.isEmpty()
                && (arriving.isEmpty() || tokens + waiting.peek().prompt.length <= PREFILL_TOKENS)) {
            Sequence s = waiting.poll();
            if (s.cancelled) {
                s.finish(FinishReason.STOP);
            } else if (s.config.maxNewTokens() == 0) {
                s.finish(FinishReason.LENGTH);
            } else if (scripted == null) {
                prefill(s);
            } else {
                arriving.add(s);
                tokens += s.prompt.length;
            }
        }
        // Every sequence taken from the queue is prefilled or failed here: none is left in between.
        if (arriving.size() == 1) {
            prefill(arriving.get(0));
        } else if (!arriving.isEmpty()) {
            prefillTogether(arriving);
        }
    }

    /** Runs the prompt alone, exactly as a single generation does, and takes its first token. */
    private void prefill(Sequence s) {
        s.own = new PrefillCache(new KvCache(model.config(), 1, s.limit(), device));
        try {
            float[] logits = model.lastLogits(s.prompt, 1, s.own.cache)[0];
            start(s, logits);
        } catch (RuntimeException | Error e) {
            s.fail(e);
            throw e;
        } finally {
            if (!joining.contains(s)) {
                s.closeOwn();
            }
        }
    }

    /**
     * Runs the prompts of sequences that arrived together in one scripted call, each in its own row of one
     * cache (a burst of requests is prefilled at the speed of one long prompt), and takes their first tokens.
     */
    private void prefillTogether(List<Sequence> arriving) {
        int capacity = arriving.stream().mapToInt(Sequence::limit).max().orElseThrow();
        PrefillCache shared = new PrefillCache(new KvCache(model.config(), arriving.size(), capacity, device));
        for (int i = 0; i < arriving.size(); i++) {
            arriving.get(i).own = shared;
            arriving.get(i).ownRow = i;
        }
        try {
            float[][] logits = scripted.prefill(arriving.stream().map(s -> s.prompt).toArray(long[][]::new),
                    shared.cache, model.model().getNDManager());
            for (int i = 0; i < arriving.size(); i++) {
                start(arriving.get(i), logits[i]);
            }
        } catch (RuntimeException | Error e) {
            arriving.forEach(s -> s.fail(e));
            throw e;
        } finally {
            for (Sequence s : arriving) {
                if (!joining.contains(s)) {
                    s.closeOwn();
                }
            }
        }
    }

    /** Takes a prefilled sequence's first token; it joins the batch at the next rebuild unless it ended. */
    private void start(Sequence s, float[] logits) {
        s.held = s.prompt.length;
        s.prefillDone = System.nanoTime();
        if (s.take(logits)) {
            joining.add(s);
        }
    }

    /** Whether a row ends before the next step (and ends it): cancelled since the last step. */
    private boolean leaves(Sequence s) {
        if (s.cancelled) {
            s.finish(FinishReason.STOP);
        }
        if (s.done) {
            changed = true;
        }
        return s.done;
    }

    /**
     * Lays the running and joining sequences out in a new shared cache (left-aligned for the scripted step,
     * right-aligned for the Blocks) and frees the old.
     */
    private void rebuild() {
        changed = false;
        joining.removeIf(s -> {
            if (s.cancelled) {
                s.finish(FinishReason.STOP);
                s.closeOwn();
            }
            return s.done;
        });
        List<Sequence> next = new ArrayList<>(rows);
        next.addAll(joining);
        if (next.size() == 1 && next.get(0).own != null && next.get(0).own.cache.rows() == 1) {
            // One sequence alone keeps the cache it was prefilled in: the single-stream path, with no copy.
            Sequence s = next.get(0);
            if (cache != null) {
                cache.close();
            }
            cache = s.own.cache;
            s.own = null;
            s.row = 0;
            joining.clear();
            rows.add(s);
            return;
        }
        KvCache fresh = null;
        if (!next.isEmpty()) {
            int length = 0;
            int need = 0;
            for (Sequence s : next) {
                length = Math.max(length, s.held);
                need = Math.max(need, s.config.maxNewTokens() - s.produced);
            }
            int capacity = Math.min(model.config().maxPositions(), length + need);
            fresh = new KvCache(model.config(), next.size(), capacity, device);
            try {
                for (int i = 0; i < next.size(); i++) {
                    Sequence s = next.get(i);
                    int to = scripted != null ? 0 : length - s.held;
                    if (s.own != null) {
                        fresh.copyRow(s.own.cache, s.ownRow, 0, s.held, i, to);
                    } else {
                        int from = scripted != null ? 0 : cache.length() - s.held;
                        fresh.copyRow(cache, s.row, from, s.held, i, to);
                    }
                }
                fresh.resize(length);
            } catch (RuntimeException | Error e) {
                fresh.close();
                throw e;
            }
        }
        if (cache != null) {
            cache.close();
        }
        cache = fresh;
        for (int i = 0; i < next.size(); i++) {
            next.get(i).closeOwn();
            next.get(i).row = i;
        }
        joining.clear();
        rows.clear();
        rows.addAll(next);
    }

    /** Feeds every row its last token in one pass and takes each row's next token. */
    private void decode() {
        int n = rows.size();
        long[] ids = new long[n];
        long[] positions = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rows.get(i).pending;
            positions[i] = rows.get(i).held;
        }
        float[] flat;
        try (NDScope scope = new NDScope(); NDManager step = model.model().getNDManager().newSubManager()) {
            scope.suppressNotUsedWarning();
            if (scripted != null) {
                flat = scripted.forward(step.create(ids).reshape(n, 1), positions, cache, 1).toFloatArray();
                cache.resize(Math.toIntExact(Arrays.stream(positions).max().orElseThrow() + 1));
            } else {
                flat = blocksStep(step, ids, positions);
            }
        }
        float[][] logits = LogitRows.split(flat, n);
        for (int i = 0; i < n; i++) {
            Sequence s = rows.get(i);
            s.held++;
            if (!s.take(logits[i])) {
                changed = true;
            }
        }
        rows.removeIf(s -> s.done);
    }

    /** The Blocks' step over right-aligned rows: rows shorter than the longest are masked on their left. */
    private float[] blocksStep(NDManager step, long[] ids, long[] positions) {
        int n = ids.length;
        int length = cache.length();
        boolean padded = Arrays.stream(positions).anyMatch(p -> p < length);
        ParameterStore ps = new ParameterStore(step, false);
        NDArray mask = null;
        if (padded) {
            boolean[] padding = new boolean[n * (length + 1)];
            for (int i = 0; i < n; i++) {
                Arrays.fill(padding, i * (length + 1), i * (length + 1) + length - (int) positions[i], true);
            }
            mask = step.create(padding).reshape(n, length + 1);
        }
        NDArray hidden = model.network().hiddenStates(ps, step.create(ids).reshape(n, 1), cache, mask,
                padded ? positions : null, false);
        return model.network().logits(ps, hidden, false).toFloatArray();
    }

    private void failAll(Throwable e) {
        endAll(s -> s.fail(e));
    }

    /** Ends every row and joining sequence with {@code end}, and frees every cache. */
    private void endAll(java.util.function.Consumer<Sequence> end) {
        rows.forEach(end);
        for (Sequence s : joining) {
            end.accept(s);
            s.closeOwn();
        }
        rows.clear();
        joining.clear();
        if (cache != null) {
            cache.close();
            cache = null;
        }
        changed = false;
    }

    private void account() {
        running = rows.size() + joining.size();
        long bytes = cache == null ? 0 : cacheBytes(rows.size(), cache.capacity());
        for (Sequence s : joining) {
            bytes += cacheBytes(1, s.own.cache.capacity());
        }
        cachedBytes = bytes;
    }

    private long cacheBytes(int sequences, int capacity) {
        LlamaConfig c = model.config();
        return 2L * Float.BYTES * c.numLayers() * sequences * capacity * c.numKvHeads() * c.headSize();
    }

    /** Ends every sequence (as cancelled) and frees the caches. */
    @Override
    public void close() {
        for (Sequence s; (s = waiting.poll()) != null;) {
            s.finish(FinishReason.STOP);
        }
        endAll(s -> s.finish(FinishReason.STOP));
        account();
        if (!closed) {
            closed = true;
            model.releaseEngine();
        }
    }

    /** One sequence in the decoder: its prompt, sampler and progress, and its result once it ends. */
    public final class Sequence {
        private final long[] prompt;
        private final GenerationConfig config;
        private final TokenListener listener;
        private final int topLogprobs;
        private final Sampler sampler;
        private final boolean[] seen;
        private final long[] out;
        private final long submitted = System.nanoTime();
        private final CompletableFuture<GenerationResult> result =
                new CompletableFuture<>();
        /** The cache this sequence was prefilled in, until it joins the shared one; its row there. */
        private PrefillCache own;
        private int ownRow;
        private int row;
        private int held;
        private int produced;
        private long pending;
        private long prefillDone;
        private volatile boolean cancelled;
        private volatile boolean done;

        private Sequence(long[] prompt, GenerationConfig config, int topLogprobs, TokenListener listener) {
            this.prompt = prompt;
            this.config = config;
            this.topLogprobs = topLogprobs;
            this.listener = listener;
            this.sampler = new Sampler(config);
            this.seen = new boolean[model.config().vocabSize()];
            for (long id : prompt) {
                seen[(int) id] = true;
            }
            this.out = new long[config.maxNewTokens()];
        }

        /** The prompt as the model sees it (after any left truncation). */
        public long[] promptIds() {
            return prompt.clone();
        }

        /** Asks the decoder to end this sequence before its next step (its result's reason is {@code STOP}). */
        public void cancel() {
            cancelled = true;
        }

        /** Whether {@link #cancel()} was called. */
        public boolean isCancelled() {
            return cancelled;
        }

        /** Completes with the new tokens (text empty), why the sequence ended and timings. */
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        /** Samples from last-position logits; whether the sequence goes on. */
        private boolean take(float[] logits) {
            double logSum = Alternatives.logSumExp(logits);
            Alternatives top = Alternatives.of(logits, logSum, topLogprobs);
            int next = sampler.next(sampler.changesLogits() ? logits.clone() : logits, seen);
            double logprob = logits[next] - logSum;
            seen[next] = true;
            out[produced++] = next;
            pending = next;
            if (!config.ignoreEos() && model.isEndOfSequence(next)) {
                finish(FinishReason.EOS);
                return false;
            }
            boolean goOn;
            try {
                goOn = listener.accept(next, logprob, top) && !cancelled;
            } catch (RuntimeException e) {
                // A listener that cannot deliver (a client gone) ends only its own sequence.
                cancelled = true;
                goOn = false;
            }
            if (!goOn) {
                finish(FinishReason.STOP);
                return false;
            }
            if (produced >= out.length || held + 1 > limit()) {
                finish(FinishReason.LENGTH);
                return false;
            }
            return true;
        }

        /** The most tokens this sequence may hold: its prompt and budget, within the model's context. */
        private int limit() {
            return (int) Math.min(model.config().maxPositions(), (long) prompt.length + out.length);
        }

        private void finish(FinishReason reason) {
            if (done) {
                return;
            }
            done = true;
            unfinished.decrementAndGet();
            long now = System.nanoTime();
            long first = prefillDone == 0 ? now : prefillDone;
            result.complete(new GenerationResult(prompt, Arrays.copyOf(out, produced), "", reason,
                    (first - submitted) / 1e9, (now - first) / 1e9));
        }

        private void fail(Throwable e) {
            if (done) {
                return;
            }
            done = true;
            unfinished.decrementAndGet();
            result.completeExceptionally(e);
        }

        private void closeOwn() {
            if (own != null) {
                own.release();
                own = null;
            }
        }
    }

    /** A cache that sequences prefilled together share, a row each, until each has joined the batch or ended. */
    private static final class PrefillCache {
        private final KvCache cache;
        private int holders;

        private PrefillCache(KvCache cache) {
            this.cache = cache;
            this.holders = cache.rows();
        }

        /** One holder is done with it; the last frees it. */
        private void release() {
            if (--holders == 0) {
                cache.close();
            }
        }
    }
}
