package io.github.tinyllama.zoo;

import ai.djl.util.Progress;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.DirectoryLock;
import io.github.tinyllama.util.Sha256;
import io.github.tinyllama.zoo.HubTransport.Exchange;
import io.github.tinyllama.zoo.HubTransport.Retryable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One download: the files of one revision that are missing from the cache, fetched one after the
 * other into part files, resumed after an interruption, verified and renamed into place.
 */
final class Download {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final int MAX_RESTARTS = 3;
    private static final int BUFFER = 1 << 16;

    private final HubClient hub;
    private final HubTransport http;
    private final HubCache cache;
    private final String repo;
    private final String revision;
    private final Path dir;
    private final List<String> missing;
    private Counter counter;

    /**
     * @param missing the files to fetch, checked and without duplicates
     */
    Download(HubClient hub, HubTransport http, HubCache cache, String repo, String revision, List<String> missing) {
        this.hub = hub;
        this.http = http;
        this.cache = cache;
        this.repo = repo;
        this.revision = revision;
        this.dir = cache.revisionDir(repo, revision);
        this.missing = List.copyOf(missing);
    }

    /** Fetches every missing file, or fails at once when offline. */
    void run(Progress progress) throws IOException {
        if (hub.isOffline()) {
            throw new HubException(HubException.Kind.OFFLINE, "Offline mode is on (DJL_OFFLINE / ai.djl.offline"
                    + " / HF_HUB_OFFLINE) and " + describeMissing() + " not in the cache.\n" + howToDownload());
        }
        Files.createDirectories(dir);

        // Ask for every file's size and checksum first: errors (404, 401) show before any bytes
        // are fetched, and the progress bar knows its total.
        Map<String, RemoteFile> infos = new LinkedHashMap<>();
        long total = 0;
        for (String f : missing) {
            RemoteFile info = head(f);
            infos.put(f, info);
            total += Math.max(0, info.size);
        }
        counter = new Counter(progress);
        if (progress != null) {
            progress.reset("Downloading " + repo + "@" + revision, total);
            progress.start(0);
        }
        try {
            for (String f : missing) {
                fetch(f, infos.get(f));
            }
        } finally {
            if (progress != null) {
                progress.end();
            }
        }
    }

    private RemoteFile head(String file) throws IOException {
        URI url = hub.fileUrl(repo, revision, file);
        int failures = 0;
        while (true) {
            try (Exchange ex = http.send(url, true, 0)) {
                int s = ex.status;
                if (s == 200 || (HubTransport.isRedirect(s) && ex.info.size >= 0)) {
                    return ex.info;
                }
                if (s == 405 || s == 501) {
                    return new RemoteFile(); // no HEAD; the GET will tell
                }
                throw http.statusError(repo, revision, "file " + file, url, ex);
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                failures = retryOrFail(url, failures, e);
            }
        }
    }

    private void fetch(String file, RemoteFile head) throws IOException {
        Path target = dir.resolve(file);
        Files.createDirectories(target.getParent());
        try (DirectoryLock ignored = cache.lock(repo, revision, file)) {
            if (cache.isComplete(repo, revision, file)) {
                counter.fileDone(Math.max(0, head.size)); // another process finished it meanwhile
                return;
            }
            fetchLocked(file, head, target);
        }
    }

    private void fetchLocked(String file, RemoteFile head, Path target) throws IOException {
        URI url = hub.fileUrl(repo, revision, file);
        Path part = HubCache.partOf(target);
        cache.deleteRecord(repo, revision, file);
        if (head.sha256 != null && Files.isRegularFile(target) && head.sha256.equals(Sha256.ofFile(target))) {
            LOG.debug("{}: {} is already in place and matches the hub's sha256", repo, file);
            cache.writeRecord(repo, revision, file, head.sha256, Files.size(target), url);
            counter.fileDone(Files.size(target));
            return;
        }
        int failures = 0;
        int restarts = 0;
        boolean freshRetryDone = false;
        while (true) {
            try {
                Attempt a = attempt(file, url, part, head);
                verifyAndInstall(file, url, part, target, a);
                counter.fileDone(Files.size(target));
                return;
            } catch (Restart e) {
                LOG.debug("{}: restarting download of {}: {}", repo, file, e.getMessage());
                Files.deleteIfExists(part);
                if (++restarts > MAX_RESTARTS) {
                    throw new HubException(HubException.Kind.HTTP_ERROR, repo + ": download of " + file + " from "
                            + url + " keeps failing: " + e.getMessage(), e);
                }
            } catch (Mismatch e) {
                Files.deleteIfExists(part);
                if (e.resumed && !freshRetryDone) {
                    // The bytes kept from an earlier attempt may be what was wrong: try once more
                    // from the first byte before blaming the hub.
                    LOG.warn("{}: {}; downloading {} again from the start", repo, e.getMessage(), file);
                    freshRetryDone = true;
                    continue;
                }
                throw new HubException(HubException.Kind.CHECKSUM_MISMATCH, repo + "@" + revision + ": " + file
                        + " from " + url + " failed verification: " + e.getMessage()
                        + ". The partial download was deleted; try again, and report it if it persists.");
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                failures = retryOrFail(url, failures, e);
            }
        }
    }

    /** Downloads (the rest of) a file into its part file. */
    private Attempt attempt(String file, URI url, Path part, RemoteFile head) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > 0 && head.sha256 == null) {
            // Without a sha256 nothing could vouch for the bytes kept from an earlier attempt.
            Files.delete(part);
            have = 0;
        }
        if (have > 0 && head.size >= 0 && have > head.size) {
            Files.delete(part);
            have = 0;
        }
        if (have > 0 && have == head.size) {
            counter.progress(have);
            return new Attempt(head.sha256, head.size, true); // complete but never renamed
        }
        try (Exchange ex = http.send(url, false, have)) {
            int s = ex.status;
            boolean resumed;
            if (s == 206 && have > 0) {
                String contentRange = ex.response.headers().firstValue("Content-Range").orElse(null);
                long[] range = RemoteFile.parseContentRange(contentRange);
                if (range == null || range[0] != have) {
                    throw new Restart("asked for bytes from " + have + " but got Content-Range "
                            + (contentRange == null ? "(none)" : contentRange));
                }
                if (ex.info.sha256 == null && head.sha256 == null) {
                    throw new Restart("no sha256 to check a resumed download against");
                }
                resumed = true;
            } else if (s == 200) {
                if (have > 0) {
                    LOG.debug("{}: server ignored Range for {}; starting again", repo, file);
                }
                have = 0;
                resumed = false;
            } else if (s == 416) {
                throw new Restart("server rejected resuming at byte " + have + " (416)");
            } else {
                throw http.statusError(repo, revision, "file " + file, url, ex);
            }
            counter.progress(have);
            writeBody(ex.response.body(), part, have);
            String sha = ex.info.sha256 != null ? ex.info.sha256 : head.sha256;
            long size = ex.info.size >= 0 ? ex.info.size : head.size;
            return new Attempt(sha, size, resumed);
        }
    }

    /** Appends a response body to the part file from byte {@code have}, forced to disk. */
    private void writeBody(InputStream in, Path part, long have) throws IOException {
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(have);
            out.position(have);
            byte[] buf = new byte[BUFFER];
            ByteBuffer bb = ByteBuffer.wrap(buf);
            long done = have;
            for (int n; (n = in.read(buf)) >= 0; ) {
                bb.clear().limit(n);
                AtomicFiles.writeAll(out, bb);
                done += n;
                counter.progress(done);
            }
            out.force(true);
        }
    }

    private void verifyAndInstall(String file, URI url, Path part, Path target, Attempt a) throws IOException {
        long actualSize = Files.size(part);
        if (a.size >= 0 && actualSize != a.size) {
            throw new Mismatch("expected " + a.size + " bytes, got " + actualSize, a.resumed);
        }
        String actual = Sha256.ofFile(part);
        if (a.sha256 != null && !a.sha256.equals(actual)) {
            throw new Mismatch("expected sha256 " + a.sha256 + ", actual sha256 " + actual, a.resumed);
        }
        if (a.sha256 == null && a.size < 0) {
            LOG.warn("{}: the hub gave neither a sha256 nor a size for {}; it is unverified", repo, file);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        HubCache.syncDirectory(target.getParent());
        cache.writeRecord(repo, revision, file, actual, actualSize, url);
    }

    /** Counts a failure; waits before the next attempt, or gives up with instructions after the last. */
    private int retryOrFail(URI url, int failures, IOException e) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw e instanceof InterruptedIOException ? e
                    : (InterruptedIOException) new InterruptedIOException("interrupted while downloading " + url)
                            .initCause(e);
        }
        failures++;
        if (failures >= hub.maxAttempts()) {
            if (e instanceof Retryable) {
                throw new HubException(HubException.Kind.NETWORK, repo + ": " + url + " kept failing after "
                        + failures + " attempts: " + e.getMessage() + "\n" + howToDownload(), e);
            }
            throw new HubException(HubException.Kind.NETWORK, "Cannot download " + url + " after " + failures
                    + " attempts (" + e + "); is " + http.host() + " reachable? "
                    + describeMissing() + " not in the cache.\n" + howToDownload(), e);
        }
        long delay = hub.retryBackoff().toMillis() << Math.min(failures - 1, 5);
        LOG.warn("{}: {} failed ({}); retrying in {} ms ({}/{})", repo, url, e.toString(), delay, failures,
                hub.maxAttempts() - 1);
        HubTransport.waitBeforeRetry(hub.retryBackoff(), failures, url, e);
        return failures;
    }

    private String describeMissing() {
        return missing.size() == 1 ? repo + " file " + missing.get(0) + " is"
                : missing.size() + " files of " + repo + " (" + String.join(", ", missing) + ") are";
    }

    private String howToDownload() {
        StringBuilder sb = new StringBuilder();
        boolean dataset = repo.startsWith(HubNames.DATASETS);
        sb.append("Download them on a machine with network access, either with\n    huggingface-cli download ")
                .append(dataset ? repo.substring(HubNames.DATASETS.length()) : repo);
        for (String f : missing) {
            sb.append(' ').append(f);
        }
        sb.append(dataset ? " --repo-type dataset" : "").append(" --revision ").append(revision)
                .append(" --local-dir ").append(dir).append("\nor from these URLs:");
        for (String f : missing) {
            sb.append("\n    ").append(hub.fileUrl(repo, revision, f));
        }
        sb.append("\nand put the files (keeping their relative paths) in the directory\n    ").append(dir);
        return sb.toString();
    }

    /** A part file that holds the whole body, with what to check it against. */
    private record Attempt(String sha256, long size, boolean resumed) {}

    /** The part file cannot be resumed: delete it and start again at once. */
    private static final class Restart extends IOException {
        private static final long serialVersionUID = 1L;

        Restart(String message) {
            super(message);
        }
    }

    /** The bytes do not match the hub's checksum or size. */
    private static final class Mismatch extends IOException {
        private static final long serialVersionUID = 1L;
        final boolean resumed;

        Mismatch(String message, boolean resumed) {
            super(message);
            this.resumed = resumed;
        }
    }

    /** Reports bytes over all files to an optional {@link Progress}. */
    private static final class Counter {
        private final Progress progress;
        private long finished;

        Counter(Progress progress) {
            this.progress = progress;
        }

        void progress(long bytesOfCurrentFile) {
            if (progress != null) {
                progress.update(finished + bytesOfCurrentFile);
            }
        }

        void fileDone(long size) {
            finished += size;
            if (progress != null) {
                progress.update(finished);
            }
        }
    }
}
