package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An exclusive lock on an output, held by one process for as long as it writes there: an OS file
 * lock ({@link FileChannel#tryLock()}) on a small file that also names the holder. The OS drops the
 * lock when the holder exits, however it exits (even {@code kill -9}), so a stale lock never blocks
 * the next run. The file stays behind (deleting it would let two later runs lock two different files).
 */
public final class DirectoryLock implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock at once or fails.
     *
     * @param lockFile the lock file (created if missing)
     * @param output the output the lock guards, for the message
     * @param holder what is writing (the command), recorded for whoever finds the lock taken
     * @return the lock; close it to release
     * @throws IOException if another process or run holds it (the message names {@code output} and the holder)
     */
    public static DirectoryLock acquire(Path lockFile, Path output, String holder) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another run in this very JVM
            }
            if (lock == null) {
                throw new IOException(output + " is in use by another run (" + holder(lockFile)
                        + "); wait for it to finish or choose another output directory");
            }
            String record = "tinyllama " + holder + ", pid " + ProcessHandle.current().pid() + ", since "
                    + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n";
            channel.truncate(0);
            AtomicFiles.writeAll(channel.position(0), ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
            return new DirectoryLock(lockFile, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String holder(Path lockFile) {
        try {
            String text = Files.readString(lockFile).strip();
            return text.isEmpty() ? "holder unknown" : text;
        } catch (IOException e) {
            return "holder unknown";
        }
    }

    /**
     * Deletes the lock file, then releases the lock: for a lock beside an output, which would otherwise
     * litter the folder. A writer that opened the file just before the deletion may then lock the
     * deleted file while a third locks a new one; outputs that are written whole and renamed into place
     * stay whole even then, the last one winning.
     */
    public void closeDeleting() throws IOException {
        try {
            Files.deleteIfExists(file);
        } finally {
            close();
        }
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
