package io.github.tinyllama.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * HTTP to the hub: requests with timeouts, redirects followed by hand so that the token goes only to
 * the endpoint's own host, optional {@code Range} to resume, and answers sorted into what to retry
 * (connection failures, 408, 429, 5xx) and what to report at once (404, 401, 403).
 */
final class HubTransport {
    private static final int MAX_REDIRECTS = 10;

    private final URI endpointUri;
    private final String token;
    private final Duration requestTimeout;
    private final Duration readTimeout;
    private final HttpClient http;

    HubTransport(URI endpointUri, String token, Duration connectTimeout, Duration requestTimeout,
            Duration readTimeout) {
        this.endpointUri = endpointUri;
        this.token = token;
        this.requestTimeout = requestTimeout;
        this.readTimeout = readTimeout;
        // Redirects are followed by hand so that the token never leaves the endpoint's host.
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    String host() {
        return endpointUri.getHost();
    }

    boolean hasToken() {
        return token != null;
    }

    /**
     * Sends a request and follows redirects; a HEAD stops at the first hop that tells the size.
     *
     * @param url where to start
     * @param headOnly HEAD instead of GET
     * @param rangeStart the first byte wanted, or 0 for the whole body
     * @return the last answer, with what every hop said about the file
     */
    Exchange send(URI url, boolean headOnly, long rangeStart) throws IOException {
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

    /**
     * Turns an unwanted status into the error to report, or throws {@link Retryable} for a transient one.
     *
     * @param what what was asked for, such as {@code "file config.json"}
     */
    HubException statusError(String repo, String revision, String what, URI url, Exchange ex) throws IOException {
        int s = ex.status;
        String hubMessage = ex.response.headers().firstValue("X-Error-Message").map(m -> " (hub: " + m + ")")
                .orElse("");
        if (s == 404) {
            return new HubException(HubException.Kind.NOT_FOUND, url + " returned 404 Not Found" + hubMessage
                    + ": repository " + repo + ", revision " + revision + " or " + what + " does not exist"
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
                + " for " + repo + "@" + revision + ": " + what);
    }

    /**
     * Waits before retry number {@code failures}: the backoff, doubled for each earlier retry.
     *
     * @throws InterruptedIOException if interrupted while waiting
     */
    static void waitBeforeRetry(Duration backoff, int failures, URI url, IOException cause)
            throws InterruptedIOException {
        long delay = backoff.toMillis() << Math.min(failures - 1, 5);
        if (delay <= 0) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            InterruptedIOException iio = new InterruptedIOException("interrupted while waiting to retry " + url);
            iio.initCause(cause);
            throw iio;
        }
    }

    static boolean isRedirect(int s) {
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

    /** One response after redirects, with what the hops said about the file. */
    static final class Exchange implements AutoCloseable {
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

    /** A transient server answer (408, 429, 5xx): retried like a dropped connection. */
    static final class Retryable extends IOException {
        private static final long serialVersionUID = 1L;

        Retryable(String message) {
            super(message);
        }
    }
}
