package io.github.tinyllama.generate;

import java.io.Serializable;

/**
 * Prompt-lookup speculative decoding: before each step, the last {@code ngramSize} tokens are looked
 * up in the text so far (prompt and output); when they occurred before, the up to {@code draftTokens}
 * tokens that followed them there are proposed as a draft and checked in one forward pass over the
 * last token and the draft. Each position's token is chosen by the same sampler as in plain decoding,
 * and the draft is kept up to the first token that differs, so the output is the plain one (for a
 * given seed) whatever the drafts; only the number of forward passes changes. It pays off where the
 * output repeats its input: copying, editing or summarising a given text, code, quoted passages.
 *
 * @param ngramSize tokens that must match (at least 1)
 * @param draftTokens most tokens proposed per step (0 turns speculation off)
 */
public record Speculation(int ngramSize, int draftTokens) implements Serializable {

    /** No speculation: one forward pass per token. */
    public static final Speculation OFF = new Speculation(1, 0);

    /** Prompt lookup with a 3-token match and drafts of up to 8 tokens. */
    public static final Speculation NGRAM = new Speculation(3, 8);

    /** Validates the values; each failure names the setting. */
    public Speculation {
        if (ngramSize < 1) {
            throw new IllegalArgumentException("the speculation n-gram size must be at least 1, found " + ngramSize);
        }
        if (draftTokens < 0) {
            throw new IllegalArgumentException("speculated draft tokens must not be negative, found " + draftTokens);
        }
    }

    /** Whether drafts are proposed at all. */
    public boolean enabled() {
        return draftTokens > 0;
    }

    /**
     * The draft for the token after {@code tokens[0..length)}: the tokens that followed the most recent
     * earlier occurrence of its last {@code ngramSize} tokens.
     *
     * @param tokens the text so far (prompt then output); only the first {@code length} entries count
     * @param length how many of {@code tokens} are the text so far
     * @param most the most tokens to propose (further capped by {@link #draftTokens()})
     * @return the draft, empty when the n-gram did not occur before or nothing may be proposed
     */
    long[] draft(long[] tokens, int length, int most) {
        int n = ngramSize;
        int wanted = Math.min(most, draftTokens);
        if (wanted <= 0 || length <= n) {
            return new long[0];
        }
        // From the most recent candidate backwards: recent text predicts the next tokens best.
        for (int start = length - n - 1; start >= 0; start--) {
            if (matches(tokens, start, length - n, n)) {
                int from = start + n;
                int count = Math.min(wanted, length - from);
                long[] out = new long[count];
                System.arraycopy(tokens, from, out, 0, count);
                return out;
            }
        }
        return new long[0];
    }

    private static boolean matches(long[] tokens, int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            if (tokens[a + i] != tokens[b + i]) {
                return false;
            }
        }
        return true;
    }
}
