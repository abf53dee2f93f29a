package io.github.tinyllama.train;

import io.github.tinyllama.data.Mixture;

import java.io.IOException;

/** Training blocks drawn from a {@link Mixture} of packed files; positions are the mixture's own. */
public final class MixtureBlocks implements TokenBlocks, AutoCloseable {

    private final Mixture mixture;

    /** @param mixture the packed-file mixture to read */
    public MixtureBlocks(Mixture mixture) {
        this.mixture = mixture;
    }

    /** The mixture read, whose position and weights in effect a multi-stage run reports. */
    public Mixture mixture() {
        return mixture;
    }

    @Override
    public int blockLength() {
        return mixture.seqLen() + 1;
    }

    @Override
    public long[] next() throws IOException {
        long[] block = new long[blockLength()];
        mixture.next(block);
        return block;
    }

    @Override
    public String position() {
        return mixture.position().toString();
    }

    @Override
    public void seek(String position) {
        mixture.seek(Mixture.Position.parse(position));
    }

    @Override
    public void close() {
        mixture.close();
    }
}
