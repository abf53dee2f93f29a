package io.github.tinyllama.train;

/**
 * Where training tokens come from: fixed-length blocks of {@code seqLen + 1} tokens (inputs are a
 * block without its last token, targets without its first), in a deterministic order whose
 * position can be saved and restored, so a resumed run reads exactly the blocks an uninterrupted
 * run would have read.
 */
public interface TokenBlocks {

    /** Tokens per block: the sequence length plus one. */
    int blockLength();

    /** The next block; a source that runs out starts over, as epochs do. */
    long[] next() throws java.io.IOException;

    /** An opaque position (saved in checkpoints): whatever the source needs to resume exactly. */
    String position();

    /** Goes back (or forward) to a position {@link #position()} returned. */
    void seek(String position);
}
