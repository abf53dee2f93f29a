package io.github.tinyllama.notebooks;

/**
 * Carries the value of a cell's last expression from JShell to the kernel, which shows it as the
 * cell's result the way JJava does (JShell itself hands back only a string form).
 */
public final class CellValue {

    private static Object value;

    private CellValue() {}

    /** Called by a snippet the kernel evaluates after the cell. */
    public static synchronized void keep(Object o) {
        value = o;
    }

    static synchronized Object take() {
        Object o = value;
        value = null;
        return o;
    }
}
