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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on an output, held by one process for as long as it writes there: an OS file
 * lock ({@link FileChannel#tryLock()}) on a small file that also names the holder. The OS drops the
 * lock when the holder exits, however it exits (even {@code kill -9}), so a stale lock never blocks
 * the next run. The file stays behind (deleting it would let two later runs lock two different files).
 *
 * <p>{@link #acquire} fails at once when the lock is taken (a second run into one output is a mistake);
 * {@link #await} waits for it (threads and processes that share a cache take turns).
 */
public final class DirectoryLock implements AutoCloseable {

    /** The OS lock belongs to the whole process, so the threads of this JVM that {@link #await} queue here first. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    /** Held by {@link #await}'s caller until {@link #close()}; {@code null} for {@link #acquire}. */
    private final ReentrantLock jvmLock;

    private DirectoryLock(Path file, FileChannel channel, FileLock lock, ReentrantLock jvmLock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.jvmLock = jvmLock;
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
            return new DirectoryLock(lockFile, channel, lock, null);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Waits until the lock is free, then takes it: first among the threads of this JVM, then among processes.
     *
     * @param lockFile the lock file (created if missing; its folder must exist)
     * @return the lock; close it to release
     * @throws IOException if the file cannot be opened or locked
     */
    public static DirectoryLock await(Path lockFile) throws IOException {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new DirectoryLock(lockFile, channel, channel.lock(), jvmLock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            jvmLock.unlock();
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
        try (FileChannel c = channel) {
            lock.release();
        } finally {
            if (jvmLock != null) {
                jvmLock.unlock();
            }
        }
    }
}
