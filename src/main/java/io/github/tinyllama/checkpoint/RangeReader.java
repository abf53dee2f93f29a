package io.github.tinyllama.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Streams a tensor's elements out of one or more byte ranges of a file, converting them through a
 * small per-thread staging buffer; the ranges are concatenated in order. One range is a stored
 * tensor; several are a gather of row blocks (the q, k or v part of a fused lit-gpt matrix).
 */
final class RangeReader {
    /** Large enough to amortise each read and each parallel conversion, small enough to stay cached. */
    private static final int STAGING_BYTES = 8 << 20;
    private static final ThreadLocal<ByteBuffer> STAGING = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.LITTLE_ENDIAN));

    private RangeReader() {
    }

    /**
     * Reads {@code info}'s bytes as one range starting at {@code info.offset()}.
     *
     * @see #read(FileChannel, TensorInfo, long[], long[], DType, ByteBuffer)
     */
    static void read(FileChannel channel, TensorInfo info, DType target, ByteBuffer dst) throws IOException {
        read(channel, info, new long[] {info.offset()}, new long[] {info.byteLength()}, target, dst);
    }

    /**
     * Reads the ranges, whose lengths add up to {@code info.byteLength()}, into {@code dst}.
     *
     * @param channel the open file
     * @param info the tensor (its name, file and stored type are used, and its element count)
     * @param offsets absolute file offsets of the ranges
     * @param lengths their byte lengths, each a whole number of elements
     * @param target the element type to write
     * @param dst receives {@code numel} elements from its position, in its byte order; position unchanged
     * @throws IllegalArgumentException if {@code dst} has too little room
     * @throws IOException if reading fails or the file ends early
     */
    static void read(FileChannel channel, TensorInfo info, long[] offsets, long[] lengths, DType target,
            ByteBuffer dst) throws IOException {
        if (dst.remaining() / target.byteSize() < info.numel()) {
            throw new IllegalArgumentException("tensor \"" + info.name() + "\" needs room for " + info.numel()
                    + " elements, the buffer has " + dst.remaining() / target.byteSize());
        }
        int elementSize = info.dtype().byteSize();
        ByteBuffer staging = STAGING.get();
        int elementsPerChunk = staging.capacity() / elementSize;
        long written = 0;
        for (int r = 0; r < offsets.length; r++) {
            long rangeElements = lengths[r] / elementSize;
            long done = 0;
            while (done < rangeElements) {
                int count = (int) Math.min(elementsPerChunk, rangeElements - done);
                staging.clear().limit(count * elementSize);
                long at = offsets[r] + done * elementSize;
                while (staging.hasRemaining()) {
                    if (channel.read(staging, at + staging.position()) < 0) {
                        throw new CheckpointFormatException(info.file() + ": file ends inside tensor \""
                                + info.name() + "\"");
                    }
                }
                staging.flip();
                ByteBuffer out = dst.duplicate().order(dst.order());
                out.position(Math.toIntExact(dst.position() + written * target.byteSize()));
                Conversions.convert(staging, info.dtype(), out, target);
                done += count;
                written += count;
            }
        }
    }
}
