package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * half-written file: the body goes to a temporary file beside the target, is forced to disk, then
 * renamed over the target. On any failure the temporary file is deleted and the target is untouched.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Writes the body of a file; the channel is positioned at the start of an empty file. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the content.
         *
         * @param out the temporary file, open for writing
         * @throws IOException if writing fails
         */
        void writeTo(FileChannel out) throws IOException;
    }

    /**
     * Writes {@code file} atomically.
     *
     * @param file the target; replaced if it exists
     * @param body writes the content
     * @throws IOException if writing or renaming fails
     */
    public static void write(Path file, Body body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        // Not Files.createTempFile: its owner-only permissions would carry over to the target.
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(out);
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            // A full disk says "No space left on device" and a missing folder names only the temporary file.
            if (e instanceof IOException io) {
                throw FileErrors.named(file, io);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /**
     * Writes text as UTF-8, atomically.
     *
     * @param file the target
     * @param text the content
     * @throws IOException if writing fails
     */
    public static void writeString(Path file, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        write(file, out -> writeAll(out, bytes));
    }

    /**
     * Copies a file, atomically at the target.
     *
     * @param source the file to copy
     * @param target the target
     * @throws IOException if reading or writing fails
     */
    public static void copy(Path source, Path target) throws IOException {
        write(target, out -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                long size = in.size();
                for (long done = 0; done < size; ) {
                    done += in.transferTo(done, size - done, out);
                }
            }
        });
    }

    /**
     * Writes all of {@code buf} to {@code out}.
     *
     * @param out the channel
     * @param buf the bytes between position and limit
     * @throws IOException if writing fails
     */
    public static void writeAll(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /** Makes the rename itself durable; platforms that cannot open a directory are skipped. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not all platforms allow syncing a directory (Windows); the file itself is already on disk.
        }
    }
}
