package io.github.tinyllama.generate;

/** Why generation stopped; the lower-case names are what the CLI's JSON reports. */
public enum FinishReason {
    /** The new-token budget (or the model's context) ran out. */
    LENGTH,
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The text reached one of the requested stop strings. */
    STOP;

    /** The name used in JSON output: {@code length}, {@code eos} or {@code stop}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
