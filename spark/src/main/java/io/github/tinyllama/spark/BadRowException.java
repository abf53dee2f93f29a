package io.github.tinyllama.spark;

/**
 * A row of a job's input that cannot be used; the message names the input and the row (its line in a JSON
 * Lines file, counted from 1), so the driver can report it in one line when Spark gives up on the task.
 */
public final class BadRowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param source the input's name (its file)
     * @param row the row's index in the input, from 0
     * @param problem what is wrong with it
     */
    public BadRowException(String source, long row, String problem) {
        super(source + ":" + (row + 1) + ": " + problem);
    }

    /** The first {@code BadRowException} among a failure's causes, if any. */
    static BadRowException find(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadRowException bad) {
                return bad;
            }
        }
        return null;
    }
}
