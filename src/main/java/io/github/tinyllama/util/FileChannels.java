package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads that do not stop short: {@link FileChannel#read(ByteBuffer, long)} may return fewer bytes. */
public final class FileChannels {

    private FileChannels() {}

    /**
     * Reads exactly {@code length} bytes at {@code position} into a new heap buffer.
     *
     * @return the bytes, flipped for reading
     * @throws IOException "unexpected end of file" if the file ends first
     */
    public static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buf.flip();
    }
}
