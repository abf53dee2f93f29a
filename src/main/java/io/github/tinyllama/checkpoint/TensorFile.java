package io.github.tinyllama.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/** One open checkpoint file of either format: its tensors, and a way to stream each one. */
interface TensorFile extends Closeable {
    /** @return the file */
    Path path();

    /** @return its tensors, in file order */
    Map<String, TensorInfo> tensors();

    /** Streams one tensor, converted, into {@code dst} from its position (unchanged). */
    void readInto(String name, DType target, ByteBuffer dst) throws IOException;
}
