package io.github.tinyllama.cli;

import ai.djl.engine.EngineException;

import io.github.tinyllama.util.FileErrors;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

import java.util.Locale;

/**
 * A failure that reached the command line, as the one line the user sees: what failed and, where the failure
 * is not one of the project's own reports (out of memory, a libtorch error, a bug), what to try.
 */
final class Failures {

    static final String MEMORY_HINT = "try a smaller --batch-size, --max-new-tokens or sequence length, "
            + "--dtype float16, or a larger Java heap (TINYLLAMA_JAVA_OPTS=-Xmx16g)";

    private Failures() {}

    /** The failure as one line, with the root cause when it adds something and advice where there is some. */
    static String oneLine(Throwable e) {
        Throwable root = rootCause(e);
        if (root instanceof OutOfMemoryError) {
            return "out of memory (" + root.getMessage() + "): " + MEMORY_HINT;
        }
        if (root instanceof StackOverflowError) {
            return "stack overflow (a deeply nested input?); run with --verbose for the trace and report it";
        }
        if (e instanceof ExceptionInInitializerError && e.getCause() != null) {
            return oneLine(e.getCause());
        }
        if (root instanceof UnsatisfiedLinkError) {
            return "cannot load a native library (" + firstLine(root.getMessage()) + "): check that libtorch for "
                    + "this platform is installed or can be downloaded (see DJL's PyTorch engine documentation)";
        }
        if (root instanceof EngineException || e instanceof EngineException) {
            String message = firstLine(root instanceof EngineException ? root.getMessage() : e.getMessage());
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("memory") || lower.contains("alloc")) {
                return "libtorch ran out of memory (" + message + "): " + MEMORY_HINT;
            }
            return "libtorch failed: " + message + " (run with --verbose for the trace; please report it if the input "
                    + "was valid)";
        }
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            // The JDK's message is often the bare path ("/proc/x") or "Is a directory".
            return fs.getFile() + ": " + FileErrors.reason(Path.of(fs.getFile()), fs)
                    + (fs.getOtherFile() == null ? "" : " (" + fs.getOtherFile() + ")");
        }
        if (isBug(e)) {
            return "internal error: " + e + " (please report it with the output of the same command and "
                    + "--verbose)";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // An I/O cause is already in the message in words (FileErrors); its own wording would only repeat it.
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())
                && !(root instanceof java.io.IOException)) {
            message += " (" + root.getMessage() + ")";
        }
        return message.replace('\n', ' ');
    }

    /** Exceptions that no input should cause: they mean a bug, not bad input. */
    private static boolean isBug(Throwable t) {
        return t instanceof NullPointerException || t instanceof IndexOutOfBoundsException
                || t instanceof ClassCastException || t instanceof ArithmeticException
                || t instanceof NegativeArraySizeException || t instanceof ArrayStoreException
                || (t instanceof Error && !(t instanceof OutOfMemoryError));
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
