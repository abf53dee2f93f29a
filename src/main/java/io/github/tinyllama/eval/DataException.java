package io.github.tinyllama.eval;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that is missing or malformed; the message names the file and, where there is one, the line (JSON
 * Lines, {@code file:line}) or row (Parquet, {@code file: row N}).
 */
public final class DataException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;

    /**
     * @param file the file at fault
     * @param line its 1-based line (row, for a Parquet file), or 0 when the fault is the whole file
     * @param message what is wrong
     */
    public DataException(Path file, int line, String message) {
        super(file + (line <= 0 ? "" : isParquet(file) ? ": row " + line : ":" + line) + ": " + message);
        this.file = file;
        this.line = line;
    }

    private static boolean isParquet(Path file) {
        return file.getFileName() != null && file.getFileName().toString().endsWith(".parquet");
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The 1-based line (row, for a Parquet file) at fault, or 0 when the fault is the whole file. */
    public int line() {
        return line;
    }
}
