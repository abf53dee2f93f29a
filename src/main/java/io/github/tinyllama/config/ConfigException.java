package io.github.tinyllama.config;

import java.io.IOException;

/** A configuration file that is missing, unreadable or inconsistent; the message names the file and field. */
public class ConfigException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message naming the file and field at fault.
     *
     * @param message what is wrong and where
     */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and its cause.
     *
     * @param message what is wrong and where
     * @param cause the underlying failure
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
