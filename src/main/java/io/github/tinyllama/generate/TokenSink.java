package io.github.tinyllama.generate;

/** Receives each generated token as it is produced. */
@FunctionalInterface
public interface TokenSink {

    /**
     * Takes one new token (not called for an end-of-sequence token).
     *
     * @param id the token id
     * @return {@code true} to go on, {@code false} to stop here (a stop string was reached)
     */
    boolean accept(long id);
}
