package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Checks made on an output file before the work that produces it starts, so that a run does not compute for
 * an hour and then fail to write its result.
 */
public final class OutputFiles {

    private OutputFiles() {}

    /**
     * Checks that {@code file} can be written the way {@link AtomicFiles} writes it: its folder exists (or can be
     * created) and takes a new file, and the file itself is not a folder. Creates the folder if missing.
     *
     * @param file the output file
     * @throws IOException naming the file and saying what is wrong
     */
    public static void checkWritable(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory; give a file name");
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException(file + ": cannot create its folder " + dir + " (" + FileErrors.reason(dir, e) + ")", e);
        }
        Path probe = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".probe");
        try {
            Files.newOutputStream(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            String why = e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
                    : "the file system takes no new file there";
            throw new IOException(file + ": cannot write in its folder " + dir + " (" + why + ")", e);
        } finally {
            Files.deleteIfExists(probe);
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new IOException(file + ": exists and is not writable");
        }
    }
}
