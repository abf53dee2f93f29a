package io.github.tinyllama.generate;

/**
 * The outcome of one generation.
 *
 * @param promptIds the prompt as the model saw it (after any left truncation)
 * @param ids the new tokens, including a final end-of-sequence token when one stopped generation
 * @param text the new text, without special tokens and cut before a stop string
 * @param finishReason why generation ended
 * @param prefillSeconds time to run the prompt through the model
 * @param decodeSeconds time spent producing tokens after the first
 * @param draftedTokens tokens proposed by speculation ({@link Speculation}); 0 without it
 * @param acceptedTokens of those, the ones kept (each saved a forward pass)
 */
public record GenerationResult(
        long[] promptIds,
        long[] ids,
        String text,
        FinishReason finishReason,
        double prefillSeconds,
        double decodeSeconds,
        int draftedTokens,
        int acceptedTokens) {

    /** A result of plain decoding, without speculation. */
    public GenerationResult(long[] promptIds, long[] ids, String text, FinishReason finishReason,
            double prefillSeconds, double decodeSeconds) {
        this(promptIds, ids, text, finishReason, prefillSeconds, decodeSeconds, 0, 0);
    }

    /** The same result with the given text (the model produces ids; the tokenizer turns them into text). */
    public GenerationResult withText(String newText) {
        return new GenerationResult(promptIds, ids, newText, finishReason, prefillSeconds, decodeSeconds,
                draftedTokens, acceptedTokens);
    }

    /** The fraction of drafted tokens kept, or 0 when nothing was drafted. */
    public double acceptanceRate() {
        return draftedTokens == 0 ? 0 : (double) acceptedTokens / draftedTokens;
    }

    /** Number of prompt tokens. */
    public int promptTokens() {
        return promptIds.length;
    }

    /** Number of generated tokens. */
    public int generatedTokens() {
        return ids.length;
    }

    /**
     * Decode speed: tokens produced by single-token steps per second. The first new token comes
     * from the prefill pass and is not counted.
     */
    public double decodeTokensPerSecond() {
        int steps = Math.max(0, ids.length - 1);
        return decodeSeconds > 0 ? steps / decodeSeconds : 0;
    }
}
