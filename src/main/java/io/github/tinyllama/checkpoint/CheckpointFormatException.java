package io.github.tinyllama.checkpoint;

import java.io.IOException;

/**
 * A checkpoint file or index is malformed, inconsistent or beyond what this package can read.
 *
 * <p>The message always names the offending file, and the tensor where one is involved.
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file
     */
    public CheckpointFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file
     * @param cause the lower-level failure
     */
    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
