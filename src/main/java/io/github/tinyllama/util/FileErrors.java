package io.github.tinyllama.util;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * I/O errors in one form, {@code FILE: what is wrong}, in words rather than the JDK's exception names: a
 * reader that fails names its file even when the JDK's message is a bare path, "Is a directory",
 * "Input length = 1" (invalid UTF-8) or "Unexpected end of ZLIB input stream" (a truncated .gz).
 */
public final class FileErrors {

    private FileErrors() {}

    /**
     * What went wrong reading or writing {@code file}, without the file's name.
     *
     * @param file the file the operation was on
     * @param e the failure
     * @return for example "is a directory, not a file" or "is not valid UTF-8 text"
     */
    public static String reason(Path file, IOException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof NoSuchFileException missing) {
            if (missing.getReason() != null) {
                // Thrown by our own readers with the reason in words ("no tokenizer in directory: looked for ...").
                return missing.getReason();
            }
            Path folder = file.toAbsolutePath().getParent();
            return folder != null && !Files.isDirectory(folder) ? "its folder " + folder + " does not exist"
                    : "no such file or folder";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException || e instanceof FileAlreadyExistsException) {
            return "a part of the path is a file, not a directory";
        }
        if (message.contains("Is a directory") || Files.isDirectory(file)) {
            return "is a directory, not a file";
        }
        if (message.contains("No space left on device") || message.contains("File too large")) {
            return "cannot be written: " + (message.contains("File too large") ? "file size limit reached"
                    : "the disk is full");
        }
        if (e instanceof CharacterCodingException) {
            return "is not valid UTF-8 text";
        }
        if (message.contains("Unexpected end of ZLIB input stream")) {
            return "the gzip data ends early (a truncated file)";
        }
        if (e instanceof ZipException) {
            return message.contains("Not in GZIP format") ? "is not gzip data" : "corrupt gzip data (" + message + ")";
        }
        if (e instanceof EOFException) {
            return "ends early (a truncated file)" + (message.isEmpty() ? "" : " (" + message + ")");
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        String bare = message.lines().findFirst().orElse("").replace(file.toString(), "")
                .replaceFirst("^[: ]+", "").replaceAll(" See https://\\S+$", "").strip();
        return bare.isEmpty() ? e.getClass().getSimpleName() : bare;
    }

    /**
     * What is wrong with a JSON file the parser (Gson) refused: an I/O failure underneath (not UTF-8, a
     * directory) in {@link #reason} words, a file that ends early as such, else the parser's message without the
     * exception class names and troubleshooting links it carries.
     *
     * @param file the file parsed
     * @param e the parser's exception
     * @return for example "not valid JSON (it ends early, a truncated file?, at line 7 column 1)"
     */
    public static String jsonReason(Path file, RuntimeException e) {
        Throwable cause = e.getCause();
        if (cause instanceof CharacterCodingException || cause instanceof FileSystemException
                || (cause instanceof IOException && String.valueOf(cause.getMessage()).contains("Is a directory"))) {
            return reason(file, (IOException) cause);
        }
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                .replaceAll("^[a-z]+(\\.[a-z]+)*\\.[A-Za-z]+Exception: ", "")
                .replaceAll(" See https://\\S+$", "").strip();
        if (cause instanceof EOFException) {
            return "not valid JSON: it ends early, a truncated file? (" + message + ")";
        }
        return "not valid JSON (" + message + ")";
    }

    /**
     * Reads a UTF-8 text file whole.
     *
     * @param file the file
     * @return its text
     * @throws IOException whose message is {@code FILE: reason} (missing, a directory, not UTF-8, ...)
     */
    public static String readString(Path file) throws IOException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    /**
     * The failure as an {@link IOException} whose message is {@code FILE: reason}, the original as its cause;
     * {@code e} itself when its message already starts with the file's name.
     *
     * @param file the file the operation was on
     * @param e the failure
     * @return the named failure
     */
    public static IOException named(Path file, IOException e) {
        if (e.getMessage() != null && e.getMessage().startsWith(file + ":")) {
            return e;
        }
        return new IOException(file + ": " + reason(file, e), e);
    }
}
