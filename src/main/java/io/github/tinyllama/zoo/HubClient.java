package io.github.tinyllama.zoo;

import ai.djl.util.Progress;
import ai.djl.util.Utils;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Downloads files of a Hugging Face hub repository into DJL's cache directory.
 *
 * <p>Files come from {@code {endpoint}/{repo}/resolve/{revision}/{file}} and land in
 * {@code {cache}/tinyllama/hub/{repo with / replaced by --}/{revision}/{file}}, or, for a revision
 * that is a full commit hash, {@code .../{repo--}/snapshots/{sha}/{file}}. A data set's repository is
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
 *
 * <p>This class is the facade; the work is done by {@link HubCache} (layout, records, locks),
 * {@link HubTransport} (HTTP, redirects, status answers) and one {@link Download} per call.
 */
public final class HubClient {
    /** The public hub, used when {@code HF_ENDPOINT} is not set. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /** The folder under DJL's cache directory that holds the downloads. */
    public static final String CACHE_SUBDIR = "tinyllama/hub";

    private final String endpoint;
    private final boolean offline;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final HubTransport http;
    private final HubCache cache;

    private HubClient(Builder b) {
        this.endpoint = stripTrailingSlashes(b.endpoint);
        URI endpointUri = URI.create(endpoint + "/");
        if (endpointUri.getScheme() == null || endpointUri.getHost() == null) {
            throw new IllegalArgumentException("HF endpoint must be an absolute http(s) URL: " + b.endpoint);
        }
        String token = b.token == null || b.token.isBlank() ? null : b.token.trim();
        this.offline = b.offline;
        this.maxAttempts = b.maxAttempts;
        this.retryBackoff = b.retryBackoff;
        this.http = new HubTransport(endpointUri, token, b.connectTimeout, b.requestTimeout, b.readTimeout);
        this.cache = new HubCache(b.cacheDir.toAbsolutePath().resolve(CACHE_SUBDIR), offline);
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
        return http.hasToken();
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
        return cache.root();
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
        return HubNames.fileUrl(endpoint, repo, revision, file);
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
        HubNames.checkRepo(repo);
        HubNames.checkRevision(revision);
        return cache.revisionDir(repo, revision);
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
        localDir(repo, revision);
        for (String f : files) {
            HubNames.checkFile(repo, revision, f);
            if (!cache.isComplete(repo, revision, f)) {
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
            HubNames.checkFile(repo, revision, f);
            if (!wanted.contains(f)) {
                wanted.add(f);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String f : wanted) {
            if (!cache.isComplete(repo, revision, f)) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            new Download(this, http, cache, repo, revision, missing).run(progress);
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

    /**
     * Asks the hub which commit a revision points to and which files the repository holds there.
     *
     * @throws HubException if the hub cannot be asked (offline too), does not answer with its JSON,
     *     or lists an unsafe name ({@link HubException.Kind#UNSAFE_NAME})
     */
    RepoListing listing(String repo, String revision) throws IOException {
        return listing(repo, revision, maxAttempts);
    }

    /** As {@link #listing(String, String)}, trying at most {@code attempts} times. */
    RepoListing listing(String repo, String revision, int attempts) throws IOException {
        if (offline) {
            throw new HubException(HubException.Kind.OFFLINE, "Offline mode is on; cannot ask the hub what "
                    + repo + "@" + revision + " holds");
        }
        return RepoListing.fetch(this, http, repo, revision, attempts);
    }

    HubCache cache() {
        return cache;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    Duration retryBackoff() {
        return retryBackoff;
    }

    private static String stripTrailingSlashes(String s) {
        String r = s.trim();
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        return r;
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
        public Builder optEndpoint(String endpoint) {
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
        public Builder optToken(String token) {
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
        public Builder optCacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /**
         * Sets offline mode (default {@link Utils#isOfflineMode()} or {@code HF_HUB_OFFLINE}).
         *
         * @param offline true to refuse all network access
         * @return this builder
         */
        public Builder optOffline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * Sets the time allowed to open a connection (default 20 s).
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder optConnectTimeout(Duration timeout) {
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
        public Builder optRequestTimeout(Duration timeout) {
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
        public Builder optReadTimeout(Duration timeout) {
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
        public Builder optMaxAttempts(int attempts) {
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
        public Builder optRetryBackoff(Duration backoff) {
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
