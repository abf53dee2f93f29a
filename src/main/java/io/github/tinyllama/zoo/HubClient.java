package io.github.tinyllama.zoo;

import ai.djl.util.Progress;
import ai.djl.util.Utils;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.RepoPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads files of a Hugging Face hub repository into DJL's cache directory.
 *
 * <p>Files come from {@code {endpoint}/{repo}/resolve/{revision}/{file}} and land in
 * {@code {cache}/tinyllama/hub/{repo with / replaced by --}/{revision}/{file}}. A data set's repository is
 * named {@code datasets/owner/name}, as in the hub's URLs. A download is
 * written to {@code {file}.part}, resumed with an HTTP {@code Range} request after an interruption,
 * checked against the hub's sha256 ({@code X-Linked-ETag}, or an {@code ETag} that is a sha256) or,
 * when the hub gives none, against its size, and only then renamed atomically to its final name.
 * After the rename a small record, {@code {cache}/tinyllama/hub/{repo--}/.complete/{revision}/{file}.sha256}
 * (outside the revision directory, which holds only the repository's files), notes the verified
 * sha256 and size. A cached file counts as complete only when the file and its record exist and
 * agree on the size; since only verified bytes are ever renamed to the final name, a killed
 * download leaves at most a {@code .part} file, which never passes as complete. Online, a file
 * found without a record (copied in by hand) is kept if it matches the hub's sha256 and fetched
 * again otherwise; offline it is used as it is.
 *
 * <p>Redirects (the hub sends LFS files to a CDN) are followed by hand, and the token goes only to
 * the endpoint's own host. Connection failures, timeouts, 429 and 5xx answers are retried a bounded
 * number of times, resuming each time; 404, 401 and 403 fail at once with a message that says what
 * is wrong.
 *
 * <p>Instances are immutable and thread-safe. Concurrent downloads of the same file, from this JVM
 * or another process, take turns through a lock file in the record directory.
 */
public final class HubClient {
    /** The public hub, used when {@code HF_ENDPOINT} is not set. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** The folder under DJL's cache directory that holds the downloads. */
    public static final String CACHE_SUBDIR = "tinyllama/hub";

    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    /** A model's repository id, {@code owner/name}, or a data set's, {@code datasets/owner/name} (as in URLs). */
    private static final Pattern REPO =
            Pattern.compile("(datasets/)?[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final String DATASETS = "datasets/";
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");
    private static final String RECORD_DIR = ".complete";
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_RESTARTS = 3;
    private static final int BUFFER = 1 << 16;
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final String endpoint;
    private final URI endpointUri;
    private final String token;
    private final Path cacheRoot;
    private final boolean offline;
    private final Duration requestTimeout;
    private final Duration readTimeout;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final HttpClient http;

    private HubClient(Builder b) {
        this.endpoint = stripTrailingSlashes(b.endpoint);
        this.endpointUri = URI.create(endpoint + "/");
        if (endpointUri.getScheme() == null || endpointUri.getHost() == null) {
            throw new IllegalArgumentException("HF endpoint must be an absolute http(s) URL: " + b.endpoint);
        }
        this.token = b.token == null || b.token.isBlank() ? null : b.token.trim();
        this.cacheRoot = b.cacheDir.toAbsolutePath().resolve(CACHE_SUBDIR);
        this.offline = b.offline;
        this.requestTimeout = b.requestTimeout;
        this.readTimeout = b.readTimeout;
        this.maxAttempts = b.maxAttempts;
        this.retryBackoff = b.retryBackoff;
        // Redirects are followed by hand so that the token never leaves the endpoint's host.
        this.http = HttpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Starts a configuration whose defaults come from the environment: {@code HF_ENDPOINT},
     * {@code HF_TOKEN} (environment variables or system properties), DJL's cache directory
     * ({@link Utils#getCacheDir()}) and offline flag ({@link Utils#isOfflineMode()}, or
     * {@code HF_HUB_OFFLINE=1}).
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A client configured from the environment alone.
     *
     * @return a client
     */
    public static HubClient fromEnvironment() {
        return builder().build();
    }

    /**
     * Returns the endpoint, without a trailing slash.
     *
     * @return the hub's base URL
     */
    public String endpoint() {
        return endpoint;
    }

    /**
     * Returns whether a token is configured.
     *
     * @return true if requests to the endpoint carry {@code Authorization: Bearer}
     */
    public boolean hasToken() {
        return token != null;
    }

    /**
     * Returns whether this client refuses to use the network.
     *
     * @return the offline flag
     */
    public boolean isOffline() {
        return offline;
    }

    /**
     * Returns the root of the downloads, {@code {cache}/tinyllama/hub}.
     *
     * @return an absolute path
     */
    public Path cacheRoot() {
        return cacheRoot;
    }

    /**
     * Returns the URL a file is fetched from.
     *
     * @param repo the repository id, {@code owner/name}
     * @param revision a branch, tag or commit hash
     * @param file a path inside the repository, with {@code /} separators
     * @return {@code {endpoint}/{repo}/resolve/{revision}/{file}}, with the revision and file
     *     percent-encoded
     * @throws IllegalArgumentException if an argument is malformed
     */
    public URI fileUrl(String repo, String revision, String file) {
        checkRepo(repo);
        checkRevision(revision);
        checkFile(repo, revision, file);
        StringBuilder sb = new StringBuilder(endpoint).append('/').append(repo).append("/resolve/")
                .append(encode(revision));
        for (String segment : file.split("/")) {
            sb.append('/').append(encode(segment));
        }
        return URI.create(sb.toString());
    }

    /**
     * Returns the directory that holds a revision's files, whether or not anything is there yet.
     *
     * @param repo the repository id
     * @param revision a branch, tag or commit hash
     * @return {@code {cache}/tinyllama/hub/{repo with / replaced by --}/{revision}}
     * @throws IllegalArgumentException if an argument is malformed
     */
    public Path localDir(String repo, String revision) {
        checkRepo(repo);
        checkRevision(revision);
        return repoDir(repo).resolve(revision.replace("/", "--"));
    }

    /**
     * Returns whether all files are complete in the cache, without any network access.
     *
     * @param repo the repository id
     * @param revision a branch, tag or commit hash
     * @param files paths inside the repository
     * @return true if {@link #download} would make no request
     * @throws IOException if the cache cannot be read
     */
    public boolean isCached(String repo, String revision, List<String> files) throws IOException {
        Path dir = localDir(repo, revision);
        for (String f : files) {
            checkFile(repo, revision, f);
            if (!isComplete(repo, revision, dir, f)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes sure the files of one revision are in the cache, downloading what is missing.
     *
     * <p>Files already complete in the cache cause no request. Offline, files that sit under their
     * final name are used even without a completion record (they may have been copied there by
     * hand, as the offline message suggests).
     *
     * @param repo the repository id, {@code owner/name}
     * @param revision a branch, tag or commit hash (a commit hash pins the content; a branch is
     *     cached under its name and not refreshed)
     * @param files paths inside the repository
     * @param progress told the total bytes to download and the bytes done; may be null
     * @return the local directory, {@link #localDir(String, String)}
     * @throws HubException if a file does not exist, needs a token, fails verification, cannot be
     *     fetched after the allowed attempts, or is missing while offline
     * @throws IOException if the cache cannot be written
     * @throws IllegalArgumentException if an argument is malformed
     */
    public Path download(String repo, String revision, List<String> files, Progress progress)
            throws IOException {
        Path dir = localDir(repo, revision);
        List<String> wanted = new ArrayList<>();
        for (String f : files) {
            checkFile(repo, revision, f);
            if (!wanted.contains(f)) {
                wanted.add(f);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String f : wanted) {
            if (!isComplete(repo, revision, dir, f)) {
                missing.add(f);
            }
        }
        if (missing.isEmpty()) {
            return dir;
        }
        if (offline) {
            throw new HubException(HubException.Kind.OFFLINE, "Offline mode is on (DJL_OFFLINE / ai.djl.offline"
                    + " / HF_HUB_OFFLINE) and " + describeMissing(repo, missing) + " not in the cache.\n"
                    + howToDownload(repo, revision, dir, missing));
        }
        Files.createDirectories(dir);

        // Ask for every file's size and checksum first: errors (404, 401) show before any bytes
        // are fetched, and the progress bar knows its total.
        Map<String, RemoteFile> infos = new LinkedHashMap<>();
        long total = 0;
        for (String f : missing) {
            RemoteFile info = head(repo, revision, dir, missing, f);
            infos.put(f, info);
            total += Math.max(0, info.size);
        }
        Counter counter = new Counter(progress);
        if (progress != null) {
            progress.reset("Downloading " + repo + "@" + revision, total);
            progress.start(0);
        }
        try {
            for (String f : missing) {
                fetch(repo, revision, dir, missing, f, infos.get(f), counter);
            }
        } finally {
            if (progress != null) {
                progress.end();
            }
        }
        return dir;
    }

    /**
     * Makes sure one file is in the cache, as {@link #download} does, and returns its path; fits
     * {@code eval.DataFiles.Fetcher} as {@code hub::downloadFile}.
     *
     * @param repo the repository id, {@code owner/name} or {@code datasets/owner/name}
     * @param revision a branch, tag or commit hash
     * @param file a path inside the repository
     * @return the cached file
     * @throws HubException if the file cannot be had (see {@link #download})
     * @throws IOException if the cache cannot be written
     */
    public Path downloadFile(String repo, String revision, String file) throws IOException {
        return download(repo, revision, List.of(file), null).resolve(file);
    }

    // ---------------------------------------------------------------- cache layout and records

    private Path repoDir(String repo) {
        return cacheRoot.resolve(repo.replace("/", "--"));
    }

    private Path recordOf(String repo, String revision, String file) {
        return repoDir(repo).resolve(RECORD_DIR).resolve(revision.replace("/", "--")).resolve(file + ".sha256");
    }

    private Path lockOf(String repo, String revision, String file) {
        return repoDir(repo).resolve(RECORD_DIR).resolve(revision.replace("/", "--")).resolve(file + ".lock");
    }

    private static Path partOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** A file is complete when it has its final name and a record whose size matches. */
    private boolean isComplete(String repo, String revision, Path dir, String file) throws IOException {
        Path target = dir.resolve(file);
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

    private static void writeRecord(Path record, String sha256, long size, URI url) throws IOException {
        Files.createDirectories(record.getParent());
        AtomicFiles.writeString(record, "# verified download of " + url + "\nsha256=" + (sha256 == null ? "" : sha256)
                + "\nsize=" + size + "\n");
    }

    // ---------------------------------------------------------------- one file

    private RemoteFile head(String repo, String revision, Path dir, List<String> missing, String file)
            throws IOException {
        URI url = fileUrl(repo, revision, file);
        int failures = 0;
        while (true) {
            try (Exchange ex = send(url, true, 0)) {
                int s = ex.status;
                if (s == 200 || (isRedirect(s) && ex.info.size >= 0)) {
                    return ex.info;
                }
                if (s == 405 || s == 501) {
                    return new RemoteFile(); // no HEAD; the GET will tell
                }
                throw statusError(repo, revision, file, url, ex);
            } catch (Retryable e) {
                failures = retryOrFail(repo, revision, dir, missing, url, failures, e);
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                failures = retryOrFail(repo, revision, dir, missing, url, failures, e);
            }
        }
    }

    private void fetch(String repo, String revision, Path dir, List<String> missing, String file, RemoteFile head,
            Counter counter) throws IOException {
        Path target = dir.resolve(file);
        Files.createDirectories(target.getParent());
        Path lockFile = lockOf(repo, revision, file);
        Files.createDirectories(lockFile.getParent());
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockChannel.lock()) {
            if (isComplete(repo, revision, dir, file)) {
                counter.fileDone(Math.max(0, head.size)); // another process finished it meanwhile
                return;
            }
            fetchLocked(repo, revision, dir, missing, file, head, counter, target);
        } finally {
            jvmLock.unlock();
        }
    }

    private void fetchLocked(String repo, String revision, Path dir, List<String> missing, String file,
            RemoteFile head, Counter counter, Path target) throws IOException {
        URI url = fileUrl(repo, revision, file);
        Path part = partOf(target);
        Files.deleteIfExists(recordOf(repo, revision, file));
        if (head.sha256 != null && Files.isRegularFile(target) && head.sha256.equals(sha256(target))) {
            LOG.debug("{}: {} is already in place and matches the hub's sha256", repo, file);
            writeRecord(recordOf(repo, revision, file), head.sha256, Files.size(target), url);
            counter.fileDone(Files.size(target));
            return;
        }
        int failures = 0;
        int restarts = 0;
        boolean freshRetryDone = false;
        while (true) {
            try {
                Attempt a = attempt(repo, revision, file, url, part, head, counter);
                verifyAndInstall(repo, revision, file, url, part, target, a);
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
            } catch (Retryable e) {
                failures = retryOrFail(repo, revision, dir, missing, url, failures, e);
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                failures = retryOrFail(repo, revision, dir, missing, url, failures, e);
            }
        }
    }

    /** Downloads (the rest of) a file into its part file. */
    private Attempt attempt(String repo, String revision, String file, URI url, Path part, RemoteFile head,
            Counter counter) throws IOException {
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
        try (Exchange ex = send(url, false, have)) {
            int s = ex.status;
            boolean resumed;
            if (s == 206 && have > 0) {
                long[] range = RemoteFile.parseContentRange(ex.response.headers().firstValue("Content-Range")
                        .orElse(null));
                if (range == null || range[0] != have) {
                    throw new Restart("asked for bytes from " + have + " but got Content-Range "
                            + ex.response.headers().firstValue("Content-Range").orElse("(none)"));
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
                throw statusError(repo, revision, file, url, ex);
            }
            counter.progress(have);
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                out.truncate(have);
                out.position(have);
                InputStream in = ex.response.body();
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
            String sha = ex.info.sha256 != null ? ex.info.sha256 : head.sha256;
            long size = ex.info.size >= 0 ? ex.info.size : head.size;
            return new Attempt(sha, size, resumed);
        }
    }

    private void verifyAndInstall(String repo, String revision, String file, URI url, Path part, Path target,
            Attempt a) throws IOException {
        long actualSize = Files.size(part);
        if (a.size >= 0 && actualSize != a.size) {
            throw new Mismatch("expected " + a.size + " bytes, got " + actualSize, a.resumed);
        }
        String actual = sha256(part);
        if (a.sha256 != null && !a.sha256.equals(actual)) {
            throw new Mismatch("expected sha256 " + a.sha256 + ", actual sha256 " + actual, a.resumed);
        }
        if (a.sha256 == null && a.size < 0) {
            LOG.warn("{}: the hub gave neither a sha256 nor a size for {}; it is unverified", repo, file);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
        writeRecord(recordOf(repo, revision, file), actual, actualSize, url);
    }

    private int retryOrFail(String repo, String revision, Path dir, List<String> missing, URI url, int failures,
            IOException e) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw e instanceof InterruptedIOException ? e
                    : (InterruptedIOException) new InterruptedIOException("interrupted while downloading " + url)
                            .initCause(e);
        }
        failures++;
        if (failures >= maxAttempts) {
            if (e instanceof Retryable) {
                throw new HubException(HubException.Kind.NETWORK, repo + ": " + url + " kept failing after "
                        + failures + " attempts: " + e.getMessage() + "\n"
                        + howToDownload(repo, revision, dir, missing), e);
            }
            throw new HubException(HubException.Kind.NETWORK, "Cannot download " + url + " after " + failures
                    + " attempts (" + e + "); is " + endpointUri.getHost() + " reachable? "
                    + describeMissing(repo, missing) + " not in the cache.\n"
                    + howToDownload(repo, revision, dir, missing), e);
        }
        long delay = retryBackoff.toMillis() << Math.min(failures - 1, 5);
        LOG.warn("{}: {} failed ({}); retrying in {} ms ({}/{})", repo, url, e.toString(), delay, failures,
                maxAttempts - 1);
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                InterruptedIOException iio = new InterruptedIOException("interrupted while waiting to retry " + url);
                iio.initCause(e);
                throw iio;
            }
        }
        return failures;
    }

    // ---------------------------------------------------------------- HTTP

    private Exchange send(URI url, boolean headOnly, long rangeStart) throws IOException {
        RemoteFile info = new RemoteFile();
        URI u = url;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(u).timeout(requestTimeout)
                    .header("User-Agent", "tinyllama-djl");
            if (token != null && sameOrigin(u, endpointUri)) {
                rb.header("Authorization", "Bearer " + token);
            }
            if (rangeStart > 0) {
                rb.header("Range", "bytes=" + rangeStart + "-");
            }
            rb.method(headOnly ? "HEAD" : "GET", HttpRequest.BodyPublishers.noBody());
            HttpResponse<InputStream> r;
            try {
                URI requested = u;
                r = http.send(rb.build(), responseInfo -> new TimedBody(readTimeout.toMillis(), requested.toString()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while requesting " + u);
            }
            int s = r.statusCode();
            info.collect(r.headers(), s);
            if (!isRedirect(s) || (headOnly && info.size >= 0)) {
                return new Exchange(r, s, info, u);
            }
            r.body().close();
            String location = r.headers().firstValue("Location").orElse(null);
            if (location == null) {
                throw new HubException(HubException.Kind.HTTP_ERROR, u + " answered " + s + " without a Location");
            }
            if (hop >= MAX_REDIRECTS) {
                throw new HubException(HubException.Kind.HTTP_ERROR, url + ": more than " + MAX_REDIRECTS
                        + " redirects");
            }
            u = u.resolve(location);
        }
    }

    private HubException statusError(String repo, String revision, String file, URI url, Exchange ex)
            throws IOException {
        int s = ex.status;
        String hubMessage = ex.response.headers().firstValue("X-Error-Message").map(m -> " (hub: " + m + ")")
                .orElse("");
        if (s == 404) {
            return new HubException(HubException.Kind.NOT_FOUND, url + " returned 404 Not Found" + hubMessage
                    + ": repository " + repo + ", revision " + revision + " or file " + file + " does not exist"
                    + (token == null ? " (or the repository is private and needs a token in HF_TOKEN)" : ""));
        }
        if (s == 401 || s == 403) {
            String why = token == null
                    ? "a token is needed: set HF_TOKEN (environment variable or system property) to a token"
                            + " from https://huggingface.co/settings/tokens that can read " + repo
                    : "the token in HF_TOKEN was rejected or lacks access to " + repo
                            + " (for a gated repository, request access on its page)";
            return new HubException(HubException.Kind.UNAUTHORIZED, url + " returned " + s + hubMessage + ": "
                    + why + ". A repository that does not exist is also reported this way.");
        }
        if (s == 408 || s == 429 || s >= 500) {
            throw new Retryable(url + " returned " + s + hubMessage);
        }
        return new HubException(HubException.Kind.HTTP_ERROR, url + " returned unexpected status " + s + hubMessage
                + " for " + repo + "@" + revision + ": " + file);
    }

    private static boolean isRedirect(int s) {
        return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    // ---------------------------------------------------------------- messages

    private static String describeMissing(String repo, List<String> missing) {
        return missing.size() == 1 ? repo + " file " + missing.get(0) + " is"
                : missing.size() + " files of " + repo + " (" + String.join(", ", missing) + ") are";
    }

    private String howToDownload(String repo, String revision, Path dir, List<String> missing) {
        StringBuilder sb = new StringBuilder();
        boolean dataset = repo.startsWith(DATASETS);
        sb.append("Download them on a machine with network access, either with\n    huggingface-cli download ")
                .append(dataset ? repo.substring(DATASETS.length()) : repo);
        for (String f : missing) {
            sb.append(' ').append(f);
        }
        sb.append(dataset ? " --repo-type dataset" : "").append(" --revision ").append(revision)
                .append(" --local-dir ").append(dir).append("\nor from these URLs:");
        for (String f : missing) {
            sb.append("\n    ").append(fileUrl(repo, revision, f));
        }
        sb.append("\nand put the files (keeping their relative paths) in the directory\n    ").append(dir);
        return sb.toString();
    }

    // ---------------------------------------------------------------- validation and helpers

    private static void checkRepo(String repo) {
        Objects.requireNonNull(repo, "repo");
        if (!REPO.matcher(repo).matches() || repo.contains("..") || repo.contains("--")) {
            throw new IllegalArgumentException(
                    "not a Hugging Face repository id (owner/name or datasets/owner/name): \"" + repo + "\"");
        }
    }

    private static void checkRevision(String revision) {
        Objects.requireNonNull(revision, "revision");
        if (!REVISION.matcher(revision).matches() || revision.contains("..") || revision.contains("--")
                || revision.endsWith("/") || revision.contains("//")) {
            throw new IllegalArgumentException("not a usable revision (branch, tag or commit): \"" + revision + "\"");
        }
    }

    private static void checkFile(String repo, String revision, String file) {
        Objects.requireNonNull(file, "file");
        RepoPaths.check(file, "the file list of " + repo + "@" + revision);
        if (file.endsWith(".part")) {
            throw new IllegalArgumentException("file names ending in .part are reserved for downloads: " + file);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String stripTrailingSlashes(String s) {
        String r = s.trim();
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
    }

    /**
     * Computes a file's sha256.
     *
     * @param file the file
     * @return lower-case hex
     * @throws IOException if the file cannot be read
     */
    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (in.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not all platforms can sync a directory; the file itself is on disk.
        }
    }

    // ---------------------------------------------------------------- small internal types

    /** One response after redirects, with what the hops said about the file. */
    private static final class Exchange implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final int status;
        final RemoteFile info;
        final URI finalUrl;

        Exchange(HttpResponse<InputStream> response, int status, RemoteFile info, URI finalUrl) {
            this.response = response;
            this.status = status;
            this.info = info;
            this.finalUrl = finalUrl;
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    /** A part file that holds the whole body, with what to check it against. */
    private static final class Attempt {
        final String sha256;
        final long size;
        final boolean resumed;

        Attempt(String sha256, long size, boolean resumed) {
            this.sha256 = sha256;
            this.size = size;
            this.resumed = resumed;
        }
    }

    /** A transient server answer (429, 5xx): retried like a dropped connection. */
    private static final class Retryable extends IOException {
        private static final long serialVersionUID = 1L;

        Retryable(String message) {
            super(message);
        }
    }

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

    /** Configuration; every setting has a default from the environment or a fixed value. */
    public static final class Builder {
        private String endpoint = Utils.getEnvOrSystemProperty("HF_ENDPOINT", DEFAULT_ENDPOINT);
        private String token = Utils.getEnvOrSystemProperty("HF_TOKEN");
        private Path cacheDir;
        private boolean offline = Utils.isOfflineMode() || isTrue(Utils.getEnvOrSystemProperty("HF_HUB_OFFLINE"));
        private Duration connectTimeout = Duration.ofSeconds(20);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private Duration readTimeout = Duration.ofSeconds(60);
        private int maxAttempts = 5;
        private Duration retryBackoff = Duration.ofSeconds(1);

        private Builder() {}

        private static boolean isTrue(String v) {
            return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes")
                    || v.equalsIgnoreCase("on"));
        }

        /**
         * Sets the hub's base URL (default {@code HF_ENDPOINT}, else {@value #DEFAULT_ENDPOINT}).
         *
         * @param endpoint an absolute http(s) URL
         * @return this builder
         */
        public Builder endpoint(String endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /**
         * Sets the token sent as {@code Authorization: Bearer} to the endpoint's host (default
         * {@code HF_TOKEN}).
         *
         * @param token the token, or null for none
         * @return this builder
         */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * Sets DJL's cache directory; downloads go under {@code tinyllama/hub} inside it (default
         * {@link Utils#getCacheDir()}).
         *
         * @param cacheDir the cache directory
         * @return this builder
         */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /**
         * Sets offline mode (default {@link Utils#isOfflineMode()} or {@code HF_HUB_OFFLINE}).
         *
         * @param offline true to refuse all network access
         * @return this builder
         */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * Sets the time allowed to open a connection (default 20 s).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Sets the time allowed from sending a request to receiving the response headers (default
         * 60 s).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Sets the longest wait for the next bytes of a response body; a stalled connection is
         * closed and the download retried, resuming (default 60 s).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = positive(timeout, "readTimeout");
            return this;
        }

        /**
         * Sets how many times one request is tried before giving up on connection failures,
         * timeouts, 429 and 5xx (default 5).
         *
         * @param attempts at least 1
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1: " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * Sets the wait before the first retry; it doubles with each further retry (default 1 s).
         *
         * @param backoff zero or more
         * @return this builder
         */
        public Builder retryBackoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("retryBackoff must not be negative: " + backoff);
            }
            this.retryBackoff = backoff;
            return this;
        }

        /**
         * Builds the client.
         *
         * @return a client
         * @throws IllegalArgumentException if the endpoint is not an absolute URL
         */
        public HubClient build() {
            if (cacheDir == null) {
                cacheDir = Utils.getCacheDir();
            }
            return new HubClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
