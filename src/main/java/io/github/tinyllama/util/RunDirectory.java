package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The output directory of a training run, owned by that run: a {@link RunManifest} says which run
 * it belongs to, and a {@link DirectoryLock} keeps a second run out while this one writes. Opening
 * decides what becomes of what is already there:
 *
 * <ul>
 *   <li>an empty (or missing) directory is taken;</li>
 *   <li>{@link Start#RESUME} takes a directory of the same run (same command and identity), and
 *       refuses one of another run;</li>
 *   <li>{@link Start#OVERWRITE} deletes everything there first (an old run's later checkpoints
 *       included), so nothing of the old run can be resumed or mixed in;</li>
 *   <li>{@link Start#NEW} refuses a directory that holds anything.</li>
 * </ul>
 */
public final class RunDirectory implements AutoCloseable {

    /** The lock file's name in a run's directory. */
    public static final String LOCK_FILE = ".tinyllama.lock";

    /** How a run treats what its directory already holds. */
    public enum Start {
        /** A fresh run: the directory must be empty. */
        NEW,
        /** Continue the run the directory holds (or start it, if the directory is empty). */
        RESUME,
        /** Delete what the directory holds, then start fresh. */
        OVERWRITE
    }

    private final Path dir;
    private final DirectoryLock lock;
    private final String notice;

    private RunDirectory(Path dir, DirectoryLock lock, String notice) {
        this.dir = dir;
        this.lock = lock;
        this.notice = notice;
    }

    /**
     * Takes {@code dir} for the run {@code manifest} describes, holding its lock until {@link #close()}.
     *
     * @param dir the run's output directory (created if missing)
     * @param manifest the run
     * @param start what to do with what the directory holds
     * @return the directory, locked, with the manifest written
     * @throws IOException if another run holds the lock, or the directory holds something {@code start}
     *     does not allow; the message names the directory and says what to give instead
     */
    public static RunDirectory open(Path dir, RunManifest manifest, Start start) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": exists and is not a directory");
        }
        Files.createDirectories(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir.resolve(LOCK_FILE), dir, manifest.command());
        try {
            String notice = claim(dir, manifest, start);
            manifest.write(dir.resolve(RunManifest.FILE_NAME));
            return new RunDirectory(dir, lock, notice);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Applies the rules of {@link Start}; returns the {@link #notice()}. */
    private static String claim(Path dir, RunManifest manifest, Start start) throws IOException {
        List<Path> held = contents(dir);
        if (held.isEmpty()) {
            return "";
        }
        if (start == Start.OVERWRITE) {
            Directories.checkDeletable(dir);
            for (Path p : held) {
                Directories.deleteRecursively(p);
            }
            return "";
        }
        Optional<RunManifest> old = RunManifest.read(dir.resolve(RunManifest.FILE_NAME));
        boolean same = old.isPresent() && old.get().sameRun(manifest);
        if (held.size() == 1 && old.isPresent()) {
            // Killed before its first checkpoint: there is nothing to lose or to resume.
            return same ? changed(manifest, old.get()) : "";
        }
        if (old.isEmpty() && start == Start.RESUME && hasCheckpoint(held)) {
            // A run begun before runs kept manifests: the user vouches for it by resuming; it is adopted.
            return "resuming a run begun without a manifest; " + RunManifest.FILE_NAME + " now records it";
        }
        if (same) {
            if (start == Start.RESUME) {
                return changed(manifest, old.get());
            }
            throw new IOException(dir + " holds a " + manifest.command() + " run already: give --resume to continue it,"
                    + " --overwrite to start it again, or another --out");
        }
        String what = old.isPresent() ? "belongs to another run (" + manifest.differences(old.get()) + ")"
                : "is not empty and holds no tinyllama run (" + held.size() + " entries, e.g. "
                        + held.get(0).getFileName() + ")";
        throw new IOException(dir + " " + what + ": give --overwrite to delete its contents and start afresh,"
                + " or choose another --out");
    }

    private static String changed(RunManifest now, RunManifest before) {
        String changes = now.settingChanges(before);
        return changes.isEmpty() ? "" : "resuming with changed settings: " + changes;
    }

    private static boolean hasCheckpoint(List<Path> held) {
        return held.stream().anyMatch(p -> p.getFileName().toString().startsWith("step-")
                && Files.isRegularFile(p.resolve("state.json")));
    }

    /** What the directory holds besides its lock and the temporary files of interrupted writes. */
    private static List<Path> contents(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> !p.getFileName().toString().equals(LOCK_FILE))
                    .filter(p -> !Directories.isTemporary(p)).sorted().toList();
        }
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /**
     * What the user should know about the run taken over, or an empty string: the settings a resumed
     * run changed since its last start ({@code key: old → new}), or that a run from before manifests
     * was adopted.
     */
    public String notice() {
        return notice;
    }

    /** Releases the lock; the manifest and the outputs stay. */
    @Override
    public void close() throws IOException {
        lock.close();
    }
}
