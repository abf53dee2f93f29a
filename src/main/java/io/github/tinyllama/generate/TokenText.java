package io.github.tinyllama.generate;

import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.tokenizer.StreamingDecoder;

import java.util.List;

/**
 * Turns generated ids into text as they come: whole characters only, cut before the first stop string,
 * and never a piece of text that could still turn out to start a stop string. One per sequence, used by
 * one thread at a time.
 */
public final class TokenText {

    private final StreamingDecoder decoder;
    private final StopStrings stops;

    /**
     * Starts an empty text.
     *
     * @param tokenizer the model's tokenizer
     * @param stopStrings the text ends before the first of these
     */
    public TokenText(LlamaTokenizer tokenizer, List<String> stopStrings) {
        this.decoder = tokenizer.newStreamingDecoder();
        this.stops = new StopStrings(stopStrings);
    }

    /**
     * Adds a generated token.
     *
     * @param id the token
     * @return the text that became final (maybe empty)
     */
    public String push(long id) {
        return stops.add(decoder.push(id));
    }

    /** Whether a stop string was reached: the text is complete and further tokens are ignored. */
    public boolean stopped() {
        return stops.stopped();
    }

    /**
     * Ends the text once generation has ended.
     *
     * @return whatever was still held back (maybe empty)
     */
    public String finish() {
        String rest = stopped() ? "" : stops.add(decoder.flush());
        return rest + stops.flush();
    }

    /** All text so far, cut before a stop string. */
    public String text() {
        return stops.text();
    }
}
