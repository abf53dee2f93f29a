package io.github.tinyllama.generate;

import io.github.tinyllama.nn.KvCache;

import java.util.Arrays;

/**
 * A conversation with the model that keeps its KV cache between calls.
 *
 * <p>Each call passes the whole token sequence so far; the session reuses the cached keys and
 * values of the longest prefix it has already read and runs only the rest through the model. A
 * chat turn therefore costs its new tokens, and a prompt that rewrites earlier text (a different
 * system prompt, a retokenised boundary) stays correct: the cache is cut back to where the token
 * sequences diverge.
 */
public final class Session implements AutoCloseable {

    private final LanguageModel model;
    private final KvCache cache;
    private long[] cached = new long[0];

    Session(LanguageModel model, int capacity) {
        this.model = model;
        this.cache = new KvCache(model.config(), 1, capacity, model.model().getNDManager().getDevice());
    }

    /** The tokens whose keys and values are cached, in order. */
    public long[] cachedTokens() {
        return cached.clone();
    }

    /** The most tokens this session can hold. */
    public int capacity() {
        return cache.capacity();
    }

    /**
     * Generates tokens after {@code promptIds}, reusing the cache for the prefix it shares with what
     * this session has read.
     *
     * @param promptIds the whole sequence so far (not just the new part), used as given
     * @param config budget, sampling and stop rules
     * @param sink receives each new token except an end-of-sequence one; returning {@code false} stops
     * @return the new tokens, why generation stopped and timings (text empty: no tokenizer here)
     * @throws IllegalArgumentException if the prompt is empty, has ids outside the vocabulary, or does
     *     not fit the session
     */
    public GenerationResult generate(long[] promptIds, GenerationConfig config, TokenSink sink) {
        long[] prompt = model.fitPrompt(promptIds, config);
        if (prompt.length > cache.capacity()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length
                    + " tokens but the session holds " + cache.capacity());
        }
        // At least the last prompt token must run through the model to give the next token's logits.
        int reused = Math.min(commonPrefix(cached, prompt), prompt.length - 1);
        cache.truncate(reused);
        cached = Arrays.copyOf(prompt, reused);

        Sampler sampler = new Sampler(config);
        boolean[] seen = new boolean[model.config().vocabSize()];
        for (long id : prompt) {
            seen[(int) id] = true;
        }
        // Sized by what fits, not by the request: a budget of 10^9 tokens must not allocate for 10^9.
        long[] out = new long[(int) Math.min(config.maxNewTokens(), (long) cache.capacity() - reused + 1)];
        // The prompt and the output so far, where speculation looks for its drafts.
        long[] text = Arrays.copyOf(prompt, prompt.length + out.length);
        int produced = 0;
        int drafted = 0;
        int accepted = 0;
        FinishReason reason = FinishReason.LENGTH;
        long started = System.nanoTime();
        long prefillDone = started;
        long[] input = Arrays.copyOfRange(prompt, reused, prompt.length);
        boolean stopped = false;
        while (!stopped && produced < out.length && cache.length() + input.length <= cache.capacity()) {
            // The prefill pass drafts nothing, so its timing stays that of the prompt alone; a draft never asks
            // for more tokens than the budget or the cache has left.
            long[] draft = produced == 0 ? new long[0] : config.speculation().draft(text, prompt.length + produced,
                    Math.min(out.length - produced - 1, cache.capacity() - cache.length() - input.length));
            long[] fed = Arrays.copyOf(input, input.length + draft.length);
            System.arraycopy(draft, 0, fed, input.length, draft.length);
            int before = cache.length();
            float[][] logits = model.lastLogits(fed, draft.length + 1, cache);
            if (produced == 0) {
                prefillDone = System.nanoTime();
            }
            drafted += draft.length;
            // Choose each position's token as plain decoding would, while the draft agrees with the choices.
            int chosen = 0;
            long next = -1;
            while (chosen <= draft.length) {
                next = sampler.next(logits[chosen], seen);
                seen[(int) next] = true;
                out[produced++] = next;
                text[prompt.length + produced - 1] = next;
                boolean agrees = chosen < draft.length && next == draft[chosen];
                chosen++;
                if (agrees) {
                    accepted++;
                }
                if (!config.ignoreEos() && model.isEndOfSequence((int) next)) {
                    reason = FinishReason.EOS;
                    stopped = true;
                } else if (!sink.accept(next)) {
                    reason = FinishReason.STOP;
                    stopped = true;
                }
                if (stopped || !agrees) {
                    break;
                }
            }
            // Keep what plain decoding would have cached: everything fed before the last chosen token.
            int kept = input.length + chosen - 1;
            cache.truncate(before + kept);
            remember(Arrays.copyOf(fed, kept));
            input = new long[] {next};
        }
        long finished = System.nanoTime();
        if (produced == 0) {
            prefillDone = finished;
        }
        return new GenerationResult(prompt, Arrays.copyOf(out, produced), "", reason,
                (prefillDone - started) / 1e9, (finished - prefillDone) / 1e9, drafted, accepted);
    }

    /**
     * Scores the tokens of {@code sequence} from index {@code from} on, each given everything before
     * it, reusing the cache for the longest prefix already read (so several continuations of one
     * context read the context once).
     *
     * @param sequence context followed by the tokens to score, used as given
     * @param from index of the first scored token (at least 1: the first token has no context)
     * @return per-token log-probabilities and whether the scored tokens are the greedy ones
     * @throws IllegalArgumentException if {@code from} is out of range, ids are outside the
     *     vocabulary, or the sequence does not fit the session
     */
    public TokenScores score(long[] sequence, int from) {
        if (from < 1 || from > sequence.length - 1 || sequence.length - 1 > cache.capacity()) {
            throw new IllegalArgumentException("cannot score from index " + from + " of " + sequence.length
                    + " tokens in a session of " + cache.capacity());
        }
        model.checkIds(sequence);
        // Logits for token i come from feeding token i-1, so the cache must end before index from-1.
        int reused = Math.min(commonPrefix(cached, sequence), from - 1);
        cache.truncate(reused);
        cached = Arrays.copyOf(sequence, reused);
        long[] input = Arrays.copyOfRange(sequence, reused, sequence.length - 1);
        long[] targets = Arrays.copyOfRange(sequence, reused + 1, sequence.length);
        TokenScores.PerPosition all = model.scorer().scoreWithCache(input, targets, cache);
        remember(input);
        return all.from(from - 1 - reused);
    }

    private void remember(long[] fed) {
        long[] grown = Arrays.copyOf(cached, cached.length + fed.length);
        System.arraycopy(fed, 0, grown, cached.length, fed.length);
        cached = grown;
    }

    private static int commonPrefix(long[] a, long[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    @Override
    public void close() {
        cache.close();
    }
}
