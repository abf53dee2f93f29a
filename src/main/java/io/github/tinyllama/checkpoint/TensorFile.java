package io.github.tinyllama.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** One open checkpoint file of either format: its tensors, and a way to stream each one. */
interface TensorFile extends Closeable {
    /** @return the file */
    Path path();

    /** @return its tensors, in file order */
    Map<String, TensorInfo> tensors();

    /** Streams one tensor, converted, into {@code dst} from its position (unchanged). */
    void readInto(String name, DType target, ByteBuffer dst) throws IOException;

    /** Lays out a file from its open channel; the channel stays open in the result. */
    @FunctionalInterface
    interface Layout<T> {
        T read(Path file, FileChannel channel) throws IOException;
    }

    /** Opens {@code file} for reading and lays it out, closing the channel if that fails. */
    static <T> T open(Path file, Layout<T> layout) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return layout.read(file, channel);
        } catch (IOException | RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }
}
