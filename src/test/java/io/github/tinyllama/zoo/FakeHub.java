package io.github.tinyllama.zoo;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the Hugging Face hub on 127.0.0.1: serves files under
 * {@code /{repo}/resolve/{revision}/{file}}, LFS files as a 302 to {@code /cdn/{sha256}} with
 * {@code X-Linked-ETag} and {@code X-Linked-Size}, and records every request.
 *
 * <p>{@code /api/models/{repo}/revision/{revision}} answers as the hub's API does: the commit {@code sha}
 * and {@code siblings} (with their sizes when asked with {@code ?blobs=true}). The sha is a hash of the revision's current files, and answering freezes
 * those files under {@code /resolve/{sha}/}, so a branch that moves later keeps its old commit.
 */
public final class FakeHub implements AutoCloseable {
    /** One request as the server saw it. */
    public record Request(String method, String path, String host, String range, String authorization) {}

    private static final int MAX_REQUESTS = 200;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, String> lfs = new ConcurrentHashMap<>(); // path -> sha256
    private final Map<String, byte[]> cdn = new ConcurrentHashMap<>(); // sha256 -> body served
    private final List<Request> requests = new ArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    /** The token required on /resolve/ requests, or null. */
    volatile String requiredToken;
    /** Whether LFS redirects go to http://localhost:port instead of http://127.0.0.1:port. */
    volatile boolean redirectToOtherHost;
    /** Whether Range headers are ignored (always 200 with the whole body). */
    volatile boolean ignoreRange;
    /** How many more body responses are cut off after {@link #dropAfter} bytes. */
    final AtomicInteger dropsLeft = new AtomicInteger();
    /** Where a dropped body is cut. */
    volatile int dropAfter;
    /** Whether a cut-off body stalls for a while instead of closing the connection at once. */
    volatile boolean stallInsteadOfDrop;
    /** How many more requests are answered with 503. */
    final AtomicInteger unavailableLeft = new AtomicInteger();
    /** When set, every API request is answered with this status. */
    volatile int apiStatus;
    /** When set, every API request is answered 200 with this body. */
    volatile String apiBody;
    /** Names the API lists beside the real files (to play a hostile hub). */
    final List<String> extraSiblings = new ArrayList<>();

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The endpoint, http://127.0.0.1:port. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Adds a small (git) file, served directly with a sha1-like ETag. */
    public void addGitFile(String repo, String revision, String file, byte[] body) {
        files.put(path(repo, revision, file), body);
    }

    /** Adds an LFS file, served as a 302 to /cdn/{sha256}. */
    public void addLfsFile(String repo, String revision, String file, byte[] body) {
        String sha = sha256(body);
        files.put(path(repo, revision, file), body);
        lfs.put(path(repo, revision, file), sha);
        cdn.put(sha, body);
    }

    /** Serves different bytes from the CDN for an LFS file, keeping the advertised sha256. */
    void corruptLfsFile(String repo, String revision, String file) {
        byte[] bad = files.get(path(repo, revision, file)).clone();
        bad[bad.length / 2] ^= 0x5a;
        cdn.put(lfs.get(path(repo, revision, file)), bad);
    }

    byte[] cdnBody(String sha256) {
        return cdn.get(sha256);
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    List<Request> requests(String method, String pathPart) {
        return requests().stream().filter(r -> r.method().equals(method) && r.path().contains(pathPart)).toList();
    }

    /** Replaces every file of a revision with nothing (a branch about to be rewritten). */
    void clear(String repo, String revision) {
        String prefix = path(repo, revision, "");
        files.keySet().removeIf(k -> k.startsWith(prefix));
    }

    static String path(String repo, String revision, String file) {
        return "/" + repo + "/resolve/" + revision + "/" + file;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String sha1(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            synchronized (requests) {
                requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Host"),
                        ex.getRequestHeaders().getFirst("Range"), ex.getRequestHeaders().getFirst("Authorization")));
            }
            if (count.incrementAndGet() > MAX_REQUESTS) {
                send(ex, 500, "too many requests in one test");
                return;
            }
            if (unavailableLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(ex, 503, "try later");
                return;
            }
            if (path.startsWith("/api/models/")) {
                answerApi(ex, path.substring("/api/models/".length()));
                return;
            }
            if (path.startsWith("/cdn/")) {
                byte[] body = cdn.get(path.substring(5));
                if (body == null) {
                    send(ex, 404, "no such blob");
                    return;
                }
                ex.getResponseHeaders().set("ETag", "\"" + sha1(body).substring(0, 32) + "\"");
                serveBody(ex, body);
                return;
            }
            if (requiredToken != null
                    && !("Bearer " + requiredToken).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("X-Error-Code", "GatedRepo");
                send(ex, 401, "Access restricted");
                return;
            }
            byte[] body = files.get(path);
            if (body == null) {
                ex.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                ex.getResponseHeaders().set("X-Error-Message", "Entry not found");
                send(ex, 404, "Entry not found");
                return;
            }
            String sha = lfs.get(path);
            if (sha != null) {
                String host = redirectToOtherHost ? "http://localhost:" + server.getAddress().getPort() : "";
                ex.getResponseHeaders().set("Location", host + "/cdn/" + sha);
                ex.getResponseHeaders().set("X-Linked-ETag", "\"" + sha + "\"");
                ex.getResponseHeaders().set("X-Linked-Size", Long.toString(body.length));
                ex.getResponseHeaders().set("ETag", "W/\"" + sha + "\"");
                ex.sendResponseHeaders(302, -1);
                return;
            }
            ex.getResponseHeaders().set("ETag", "\"" + sha1(body) + "\"");
            serveBody(ex, body);
        } finally {
            ex.close();
        }
    }

    private void answerApi(HttpExchange ex, String repoAndRevision) throws IOException {
        if (apiStatus != 0) {
            send(ex, apiStatus, "{\"error\": \"the API is down\"}");
            return;
        }
        if (apiBody != null) {
            send(ex, 200, apiBody);
            return;
        }
        int at = repoAndRevision.indexOf("/revision/");
        String repo = repoAndRevision.substring(0, at);
        String revision = repoAndRevision.substring(at + "/revision/".length());
        String prefix = path(repo, revision, "");
        Map<String, byte[]> current = new TreeMap<>();
        files.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                current.put(k.substring(prefix.length()), v);
            }
        });
        if (current.isEmpty()) {
            ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
            send(ex, 404, "{\"error\": \"Invalid rev id: " + revision + "\"}");
            return;
        }
        StringBuilder tree = new StringBuilder();
        current.forEach((name, body) -> tree.append(name).append(' ').append(sha256(body)).append('\n'));
        String sha = sha1(tree.toString().getBytes(StandardCharsets.UTF_8));
        boolean blobs = "blobs=true".equals(ex.getRequestURI().getQuery());
        JsonArray siblings = new JsonArray();
        current.forEach((name, body) -> {
            files.put(path(repo, sha, name), body);
            String lfsSha = lfs.get(path(repo, revision, name));
            if (lfsSha != null) {
                lfs.put(path(repo, sha, name), lfsSha);
            }
            JsonObject sibling = new JsonObject();
            sibling.addProperty("rfilename", name);
            if (blobs) {
                // As the hub answers ?blobs=true: every file's size, and an LFS file's sha256 and size again.
                sibling.addProperty("size", body.length);
                if (lfsSha != null) {
                    JsonObject lfsInfo = new JsonObject();
                    lfsInfo.addProperty("sha256", lfsSha);
                    lfsInfo.addProperty("size", body.length);
                    lfsInfo.addProperty("pointerSize", 134);
                    sibling.add("lfs", lfsInfo);
                }
            }
            siblings.add(sibling);
        });
        synchronized (extraSiblings) {
            for (String name : extraSiblings) {
                JsonObject sibling = new JsonObject();
                sibling.addProperty("rfilename", name);
                siblings.add(sibling);
            }
        }
        JsonObject answer = new JsonObject();
        answer.addProperty("id", repo);
        answer.addProperty("sha", sha);
        answer.add("siblings", siblings);
        send(ex, 200, answer.toString());
    }

    private void serveBody(HttpExchange ex, byte[] body) throws IOException {
        boolean head = ex.getRequestMethod().equals("HEAD");
        String range = ex.getRequestHeaders().getFirst("Range");
        int start = 0;
        int status = 200;
        if (range != null && !ignoreRange) {
            start = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            if (start >= body.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range",
                    "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
        }
        int length = body.length - start;
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, length);
        OutputStream out = ex.getResponseBody();
        if (dropsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            out.write(body, start, Math.min(dropAfter, length));
            out.flush();
            if (stallInsteadOfDrop) {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Closing the exchange before the fixed-length body is complete drops the connection.
            ex.close();
            return;
        }
        out.write(body, start, length);
    }

    private static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
