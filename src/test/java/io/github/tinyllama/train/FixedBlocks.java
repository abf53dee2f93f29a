package io.github.tinyllama.train;

import java.util.List;

/** Blocks from a list, in order, wrapping around; its position is the number of blocks read. */
final class FixedBlocks implements TokenBlocks {

    private final List<long[]> blocks;
    private long position;

    FixedBlocks(List<long[]> blocks) {
        this.blocks = blocks;
    }

    @Override
    public int blockLength() {
        return blocks.get(0).length;
    }

    @Override
    public long[] next() {
        return blocks.get((int) (position++ % blocks.size())).clone();
    }

    @Override
    public String position() {
        return Long.toString(position);
    }

    @Override
    public void seek(String newPosition) {
        position = Long.parseLong(newPosition);
    }
}
