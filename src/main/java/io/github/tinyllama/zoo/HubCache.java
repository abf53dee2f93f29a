package io.github.tinyllama.zoo;

import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.DirectoryLock;
import io.github.tinyllama.util.RepoPaths;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The download cache on disk: where a revision's files live, the completion record that vouches for
 * each, and the lock that makes processes take turns on one file.
 *
 * <p>Files of a commit sit in {@code {root}/{repo--}/snapshots/{sha}/}; {@code {root}/{repo--}/refs/{revision--}}
 * holds the sha a branch or tag pointed to when it was last downloaded, written only once that
 * snapshot is complete, so a branch that moves never mixes files of two commits. Files fetched by a
 * revision name without asking the hub for its commit (the catalogue's fallback) sit in
 * {@code {root}/{repo--}/{revision--}/}. Records and locks sit apart, in
 * {@code {root}/{repo--}/.complete/{revision--}/{file}.sha256} and {@code .lock}, with a snapshot's
 * file list in {@code snapshot.files} and the revision's download size on the hub in {@code hub.size}
 * beside them, so the snapshot directory holds only the repository's files.
 */
final class HubCache {
    private static final String RECORD_DIR = ".complete";
    private static final String REFS = "refs";
    private static final String SNAPSHOTS = "snapshots";
    /** Cannot be mistaken for a record or lock, which end in .sha256 and .lock. */
    private static final String SNAPSHOT_LIST = "snapshot.files";
    /** The bytes a revision's download takes on the hub, as last asked; not a record or lock either. */
    private static final String HUB_SIZE = "hub.size";

    private final Path root;
    private final boolean offline;

    HubCache(Path root, boolean offline) {
        this.root = root;
        this.offline = offline;
    }

    Path root() {
        return root;
    }

    Path repoDir(String repo) {
        return root.resolve(HubNames.flat(repo));
    }

    Path revisionDir(String repo, String revision) {
        return RepoListing.isCommit(revision) ? repoDir(repo).resolve(SNAPSHOTS).resolve(revision)
                : repoDir(repo).resolve(HubNames.flat(revision));
    }

    /** The commit a revision pointed to at its last complete download, or null. */
    String commitOf(String repo, String revision) throws IOException {
        if (RepoListing.isCommit(revision)) {
            return revision;
        }
        Path ref = repoDir(repo).resolve(REFS).resolve(HubNames.flat(revision));
        if (!Files.isRegularFile(ref)) {
            return null;
        }
        String sha = Files.readString(ref).trim();
        return RepoListing.isCommit(sha) ? sha : null;
    }

    /** Records a complete snapshot: its file list first, then the revision's pointer to it. */
    void recordSnapshot(String repo, String revision, String sha, List<String> files) throws IOException {
        Path list = snapshotList(repo, sha);
        Files.createDirectories(list.getParent());
        AtomicFiles.writeString(list, String.join("\n", files) + "\n");
        if (!revision.equals(sha)) {
            Path ref = repoDir(repo).resolve(REFS).resolve(HubNames.flat(revision));
            Files.createDirectories(ref.getParent());
            AtomicFiles.writeString(ref, sha + "\n");
        }
    }

    /** The files of a recorded snapshot, or null when none was recorded. */
    List<String> snapshotFiles(String repo, String sha) throws IOException {
        Path list = snapshotList(repo, sha);
        if (!Files.isRegularFile(list)) {
            return null;
        }
        List<String> files = new ArrayList<>();
        for (String line : Files.readAllLines(list)) {
            if (!line.isBlank() && RepoPaths.problem(line) == null) {
                files.add(line);
            }
        }
        return files;
    }

    /** Remembers the bytes a revision's download takes on the hub, for listing them offline. */
    void recordHubBytes(String repo, String revision, long bytes) throws IOException {
        Path file = hubSizeFile(repo, revision);
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, bytes + "\n");
    }

    /** The bytes last recorded by {@link #recordHubBytes}, or null when none were (or the record is unreadable). */
    Long hubBytes(String repo, String revision) throws IOException {
        Path file = hubSizeFile(repo, revision);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Path hubSizeFile(String repo, String revision) {
        return repoDir(repo).resolve(RECORD_DIR).resolve(HubNames.flat(revision)).resolve(HUB_SIZE);
    }

    private Path snapshotList(String repo, String sha) {
        return repoDir(repo).resolve(RECORD_DIR).resolve(sha).resolve(SNAPSHOT_LIST);
    }

    static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    private Path recordOf(String repo, String revision, String file) {
        return repoDir(repo).resolve(RECORD_DIR).resolve(HubNames.flat(revision)).resolve(file + ".sha256");
    }

    /** A file is complete when it has its final name and a record whose size matches. */
    boolean isComplete(String repo, String revision, String file) throws IOException {
        Path target = revisionDir(repo, revision).resolve(file);
        if (!Files.isRegularFile(target)) {
            return false;
        }
        Path record = recordOf(repo, revision, file);
        if (!Files.isRegularFile(record)) {
            // Only a verified download is ever renamed to the final name, so a file without a
            // record was put there by hand or lost its record to a kill right after the rename.
            return offline;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(record)) {
            p.load(in);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            return Long.parseLong(p.getProperty("size", "-1")) == Files.size(target);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    void deleteRecord(String repo, String revision, String file) throws IOException {
        Files.deleteIfExists(recordOf(repo, revision, file));
    }

    void writeRecord(String repo, String revision, String file, String sha256, long size, URI url)
            throws IOException {
        Path record = recordOf(repo, revision, file);
        Files.createDirectories(record.getParent());
        AtomicFiles.writeString(record, "# verified download of " + url + "\nsha256=" + (sha256 == null ? "" : sha256)
                + "\nsize=" + size + "\n");
    }

    /**
     * Takes the lock of one file, shared by the threads of this JVM and by other processes, waiting for it.
     *
     * @return the held lock; closing it releases it
     */
    DirectoryLock lock(String repo, String revision, String file) throws IOException {
        Path lockFile = repoDir(repo).resolve(RECORD_DIR).resolve(HubNames.flat(revision)).resolve(file + ".lock");
        Files.createDirectories(lockFile.getParent());
        return DirectoryLock.await(lockFile);
    }

    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not all platforms can sync a directory; the file itself is on disk.
        }
    }
}
