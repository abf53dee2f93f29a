/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import java.io.IOException;
import java.nio.file.Path;

/** A record that cannot be read: invalid JSON, no text field, text that is not a string, invalid UTF-8. */
public final class MalformedDocumentException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;

    /**
     * Creates the exception.
     *
     * @param file the input file
     * @param line the 1-based line (JSON lines), row (Parquet) or 1 (a text file)
     * @param reason what is wrong
     */
    public MalformedDocumentException(Path file, long line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
    }

    /** Returns the input file. */
    public Path file() {
        return file;
    }

    /** Returns the 1-based line, or row for Parquet. */
    public long line() {
        return line;
    }
}
