package io.github.tinyllama.zoo;

import java.io.IOException;

/**
 * A file could not be fetched from the Hugging Face hub, or is not available offline.
 *
 * <p>The message always names the repository and, where one is involved, the file or URL, and
 * says what to do about it.
 */
public class HubException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The hub answered 404: the repository, revision or file does not exist. */
        NOT_FOUND,
        /** The hub answered 401 or 403: a token is needed, or the token lacks access. */
        UNAUTHORIZED,
        /** The downloaded bytes do not match the hub's sha256 or size. */
        CHECKSUM_MISMATCH,
        /** The hub could not be reached, or kept failing, after the allowed number of attempts. */
        NETWORK,
        /** Offline mode is on and the files are not in the cache. */
        OFFLINE,
        /** Any other unexpected answer from the hub, such as an API answer that is not its JSON. */
        HTTP_ERROR,
        /** The hub listed a file name that is not a relative path inside the repository (such as {@code ../x}). */
        UNSAFE_NAME
    }

    private final Kind kind;

    /**
     * @param kind what went wrong
     * @param message what is wrong and what to do, naming the repository and file
     */
    public HubException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /**
     * @param kind what went wrong
     * @param message what is wrong and what to do, naming the repository and file
     * @param cause the lower-level failure
     */
    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /**
     * Returns what went wrong.
     *
     * @return the kind of failure
     */
    public Kind kind() {
        return kind;
    }
}
