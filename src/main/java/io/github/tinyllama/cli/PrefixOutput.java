package io.github.tinyllama.cli;

import io.github.tinyllama.data.PackedFormat;
import io.github.tinyllama.util.Directories;
import io.github.tinyllama.util.DirectoryLock;
import io.github.tinyllama.util.RunManifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The packed files one {@code prepare-data} run owns in a data directory: {@code {prefix}_{n}.bin}
 * and the manifest {@code {prefix}.tinyllama-run.json}. Several prefixes (corpora) share a data
 * directory by design ({@code pretrain --mix} weighs them), so a run owns its prefix, not the
 * directory: chunks of another corpus under the same prefix are refused unless {@code --overwrite},
 * and replaced whole with it. The new chunks are written into a hidden temporary directory and moved
 * in only once the whole corpus was read, so a failing or truncated input leaves the old chunks (or
 * nothing), never a partial set.
 */
final class PrefixOutput implements AutoCloseable {

    private final Path dir;
    private final String prefix;
    private final Path staging;
    private final RunManifest manifest;
    private final DirectoryLock lock;

    private PrefixOutput(Path dir, String prefix, Path staging, RunManifest manifest, DirectoryLock lock) {
        this.dir = dir;
        this.prefix = prefix;
        this.staging = staging;
        this.manifest = manifest;
        this.lock = lock;
    }

    /**
     * Checks and locks the prefix in {@code dir} and makes the temporary directory to write into.
     *
     * @throws IOException if the prefix holds chunks of another corpus and {@code overwrite} is false, or
     *     another run writes this prefix now; the message names the directory and the prefix
     */
    static PrefixOutput create(Path dir, String prefix, RunManifest manifest, boolean overwrite) throws IOException {
        if (prefix.isEmpty() || prefix.startsWith(".") || prefix.contains("/") || prefix.contains("\\")) {
            throw new IllegalArgumentException("--prefix '" + prefix + "': a file-name prefix, not a path or a"
                    + " hidden name");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": exists and is not a directory");
        }
        Files.createDirectories(dir);
        Path lockFile = dir.resolve("." + prefix + ".lock");
        DirectoryLock lock = DirectoryLock.acquire(lockFile, dir.resolve(prefix + "_*" + PackedFormat.SUFFIX),
                "prepare-data");
        try {
            List<Path> old = owned(dir, prefix);
            Optional<RunManifest> recorded = RunManifest.read(manifestFile(dir, prefix));
            boolean same = recorded.isPresent() && recorded.get().sameRun(manifest);
            if ((!old.isEmpty() || recorded.isPresent()) && !same && !overwrite) {
                String what = recorded.isPresent() ? "of another corpus (" + manifest.differences(recorded.get()) + ")"
                        : "that no prepare-data run recorded";
                throw new IOException(dir + " already holds " + old.size() + " '" + prefix + "' chunks " + what
                        + ": give --overwrite to replace them, or another --prefix or --out");
            }
            Path staging = dir.resolve("." + prefix + "." + UUID.randomUUID() + ".tmp");
            Files.createDirectory(staging);
            return new PrefixOutput(dir, prefix, staging, manifest, lock);
        } catch (IOException | RuntimeException e) {
            lock.closeDeleting();
            throw e;
        }
    }

    /** Where to write the chunks until {@link #commit()}. */
    Path dir() {
        return staging;
    }

    /** Replaces the prefix's old chunks by the new ones, then records the manifest. */
    void commit() throws IOException {
        // Without its manifest a partial set (should this be killed midway) is refused, not taken for a corpus.
        Files.deleteIfExists(manifestFile(dir, prefix));
        for (Path old : owned(dir, prefix)) {
            Files.delete(old);
        }
        for (Path chunk : owned(staging, prefix)) {
            Files.move(chunk, dir.resolve(chunk.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        manifest.write(manifestFile(dir, prefix));
    }

    private static Path manifestFile(Path dir, String prefix) {
        return dir.resolve(prefix + "." + RunManifest.FILE_NAME);
    }

    /** The prefix's chunks in {@code dir}: exactly {@code {prefix}_{ten digits}.bin}, not a longer prefix's. */
    private static List<Path> owned(Path dir, String prefix) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "_\\d{10}" + Pattern.quote(PackedFormat.SUFFIX));
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> name.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    /** Deletes the temporary directory (empty after a commit) and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            Directories.deleteRecursively(staging);
        } finally {
            lock.closeDeleting();
        }
    }
}
