package io.github.tinyllama.eval;

import io.github.tinyllama.tokenizer.LlamaTokenizer;

import java.util.Arrays;

/**
 * Turns a {@link Request} into tokens exactly as lm-evaluation-harness's Hugging Face causal LM does
 * ({@code TemplateLM._encode_pair} and {@code HFLM._loglikelihood_tokens}):
 * <ol>
 *   <li>trailing whitespace of the context moves to the front of the continuation;</li>
 *   <li>context and continuation are tokenised together ({@code whole}, BOS first as TinyLlama's tokenizer
 *       adds it) and the context alone ({@code ctx}); the continuation's tokens are
 *       {@code whole[len(ctx):]} and the model reads {@code ctx + cont};</li>
 *   <li>an empty context becomes {@code [BOS]} and the continuation is tokenised alone;</li>
 *   <li>the sequence is cut from the left to the model's context plus one (the last token is only a target).</li>
 * </ol>
 */
public final class RequestEncoder {

    private final LlamaTokenizer tokenizer;
    private final int maxLength;

    /**
     * @param tokenizer the model's tokenizer
     * @param maxLength the model's context ({@code max_position_embeddings})
     */
    public RequestEncoder(LlamaTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /**
     * A request in tokens.
     *
     * @param context the tokens the model reads before the continuation (after left truncation)
     * @param continuation the scored tokens
     */
    public record Encoded(long[] context, long[] continuation) {
        /** Tokens of context and continuation together. */
        public int length() {
            return context.length + continuation.length;
        }
    }

    /** Context and continuation after the harness moves the context's trailing whitespace. */
    public static Request moveWhitespace(Request r) {
        String context = Text.rstrip(r.context());
        return new Request(context, r.context().substring(context.length()) + r.continuation());
    }

    /**
     * Encodes a request.
     *
     * @param request the request as the task built it
     * @return its tokens
     * @throws IllegalArgumentException if the continuation alone exceeds the model's context
     */
    public Encoded encode(Request request) {
        Request r = moveWhitespace(request);
        long[] ctx;
        long[] cont;
        if (r.context().isEmpty()) {
            ctx = new long[] {tokenizer.bosId()};
            cont = tokenizer.encode(r.continuation(), false);
        } else {
            long[] whole = tokenizer.encode(r.context() + r.continuation(), true);
            ctx = tokenizer.encode(r.context(), true);
            cont = Arrays.copyOfRange(whole, Math.min(ctx.length, whole.length), whole.length);
        }
        if (cont.length == 0) {
            throw new IllegalArgumentException("the continuation '" + r.continuation() + "' has no tokens of its own");
        }
        if (cont.length > maxLength) {
            throw new IllegalArgumentException("a continuation of " + cont.length
                    + " tokens does not fit the model's context of " + maxLength);
        }
        int total = ctx.length + cont.length;
        if (total > maxLength + 1) {
            ctx = Arrays.copyOfRange(ctx, total - (maxLength + 1), ctx.length);
        }
        return new Encoded(ctx, cont);
    }
}
