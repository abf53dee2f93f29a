package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A directory a command writes whole (a converted checkpoint, a merged model): written complete
 * into a temporary sibling, then renamed into place, so the target holds either what it held before
 * or the complete new output, never a mixture and never a half-written one. The target is checked
 * before the work starts: missing or empty, or written by the same command from the same inputs (a
 * rerun), or {@code overwrite} given; a lock beside it keeps a second writer out meanwhile.
 *
 * <pre>{@code
 * try (OutputDirectory out = OutputDirectory.create(target, manifest, overwrite)) {
 *     write(out.dir());
 *     out.commit();
 * }
 * }</pre>
 */
public final class OutputDirectory implements AutoCloseable {

    private final Path target;
    private final Path staging;
    private final RunManifest manifest;
    private final DirectoryLock lock;
    private boolean committed;

    private OutputDirectory(Path target, Path staging, RunManifest manifest, DirectoryLock lock) {
        this.target = target;
        this.staging = staging;
        this.manifest = manifest;
        this.lock = lock;
    }

    /**
     * Checks and locks {@code target} and makes the temporary directory to write into.
     *
     * @param target the directory to produce
     * @param manifest the command and its inputs, recorded in the output
     * @param overwrite whether a target holding something else may be replaced
     * @return the output, to write into {@link #dir()} and then {@link #commit()}
     * @throws IOException if the target holds something else and {@code overwrite} is false, or another
     *     process writes it now; the message names the target
     */
    public static OutputDirectory create(Path target, RunManifest manifest, boolean overwrite) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException(target + ": cannot write a file-system root");
        }
        Files.createDirectories(parent);
        String name = absolute.getFileName().toString();
        Path lockFile = parent.resolve("." + name + ".lock");
        DirectoryLock lock = DirectoryLock.acquire(lockFile, target, manifest.command());
        try {
            check(target, manifest, overwrite);
            Path staging = parent.resolve("." + name + "." + UUID.randomUUID() + ".tmp");
            Files.createDirectory(staging);
            return new OutputDirectory(target, staging, manifest, lock);
        } catch (IOException | RuntimeException e) {
            lock.closeDeleting();
            throw e;
        }
    }

    private static void check(Path target, RunManifest manifest, boolean overwrite) throws IOException {
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IOException(target + ": exists and is not a directory");
        }
        if (!Files.isDirectory(target) || contents(target).isEmpty()) {
            return;
        }
        if (overwrite) {
            Directories.checkDeletable(target);
            return;
        }
        Optional<RunManifest> old = RunManifest.read(target.resolve(RunManifest.FILE_NAME));
        if (old.isPresent() && old.get().sameRun(manifest)) {
            return; // the same command on the same inputs: its output again
        }
        String what = old.isPresent() ? "holds another output (" + manifest.differences(old.get()) + ")"
                : "is not empty (" + contents(target).get(0).getFileName() + ", ...)";
        throw new IOException(target + " " + what + ": give --overwrite to replace it, or choose another directory");
    }

    private static List<Path> contents(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> !Directories.isTemporary(p)).sorted().toList();
        }
    }

    /** Where to write the output until {@link #commit()}. */
    public Path dir() {
        return staging;
    }

    /** The directory the output will be renamed to. */
    public Path target() {
        return target;
    }

    /**
     * Records the manifest and puts the output in place of the target, replacing what it held.
     *
     * @throws IOException if renaming fails (the target is then as it was, or missing if it was being replaced)
     */
    public void commit() throws IOException {
        manifest.write(staging.resolve(RunManifest.FILE_NAME));
        replace(staging, target);
        committed = true;
    }

    /**
     * Renames {@code source} to {@code target}, moving an existing target aside first and deleting it after.
     *
     * @param source a complete directory beside {@code target}
     * @param target the directory it replaces
     * @throws IOException if renaming fails
     */
    public static void replace(Path source, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            Path absolute = target.toAbsolutePath().normalize();
            old = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".old.tmp");
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            Directories.deleteRecursively(old);
        }
    }

    /** Writes a directory's files. */
    @FunctionalInterface
    public interface Body {
        /** Writes the files into {@code dir}, which exists and is empty. */
        void write(Path dir) throws IOException;
    }

    /**
     * Writes a whole directory in a temporary sibling and renames it over {@code target}, for a
     * writer that already owns the parent (a run's {@code merged/} model): {@code target} holds the
     * old or the complete new output, never a mixture.
     *
     * @param target the directory to (re)place
     * @param body writes the files
     * @throws IOException if writing or renaming fails (the temporary directory is deleted)
     */
    public static void writeWhole(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path staging = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.createDirectories(staging);
        try {
            body.write(staging);
            replace(staging, target);
        } finally {
            Directories.deleteRecursively(staging);
        }
    }

    /** Deletes the temporary directory unless committed, and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            if (!committed) {
                Directories.deleteRecursively(staging);
            }
        } finally {
            lock.closeDeleting();
        }
    }
}
