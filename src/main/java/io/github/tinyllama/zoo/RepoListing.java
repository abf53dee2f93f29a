package io.github.tinyllama.zoo;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.github.tinyllama.util.RepoPaths;
import io.github.tinyllama.zoo.HubTransport.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a model repository holds at one commit, as the hub's API tells:
 * {@code GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true} answers the commit {@code sha} and
 * the {@code siblings}, one {@code rfilename} per file with its {@code size} (what huggingface_hub's
 * {@code model_info(files_metadata=True)} asks for; without {@code blobs} the hub leaves the sizes out).
 *
 * @param sha the commit the revision points to, 40 lower-case hex digits
 * @param files every file's path inside the repository, each checked by {@link RepoPaths}
 * @param sizes the size in bytes of each file the answer gave one for
 */
record RepoListing(String sha, List<String> files, Map<String, Long> sizes) {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");
    /** An answer longer than this is not a file list (the largest real ones are a few hundred KB). */
    private static final int MAX_BYTES = 16 << 20;

    /** Whether a revision is a full commit hash, which names one commit forever. */
    static boolean isCommit(String revision) {
        return SHA.matcher(revision).matches();
    }

    static URI url(String endpoint, String repo, String revision) {
        HubNames.checkRepo(repo);
        HubNames.checkRevision(revision);
        if (repo.startsWith(HubNames.DATASETS)) {
            throw new IllegalArgumentException("only model repositories are listed: " + repo);
        }
        return URI.create(endpoint + "/api/models/" + repo + "/revision/" + HubNames.encode(revision) + "?blobs=true");
    }

    /**
     * The bytes {@code files} take on the hub, or null when the answer gave no size for one of them.
     *
     * @param files paths inside the repository
     */
    Long bytesOf(List<String> files) {
        long total = 0;
        for (String f : files) {
            Long size = sizes.get(f);
            if (size == null) {
                return null;
            }
            total += size;
        }
        return total;
    }

    /**
     * Asks the hub, retrying transient failures as downloads do.
     *
     * @param attempts how many times to try before giving up on connection failures, timeouts, 429 and 5xx
     */
    static RepoListing fetch(HubClient hub, HubTransport http, String repo, String revision, int attempts)
            throws IOException {
        URI url = url(hub.endpoint(), repo, revision);
        for (int failures = 1; ; failures++) {
            try (Exchange ex = http.send(url, false, 0)) {
                if (ex.status != 200) {
                    throw http.statusError(repo, revision, "its file list", url, ex);
                }
                return parse(read(ex.response.body(), url), repo, revision, url);
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                if (failures >= attempts || Thread.currentThread().isInterrupted()) {
                    throw new HubException(HubException.Kind.NETWORK, "Cannot list the files of " + repo + "@"
                            + revision + " from " + url + " after " + failures + " attempts: " + e.getMessage(), e);
                }
                LOG.warn("{}: {} failed ({}); retrying ({}/{})", repo, url, e, failures, attempts - 1);
                HubTransport.waitBeforeRetry(hub.retryBackoff(), failures, url, e);
            }
        }
    }

    private static String read(InputStream in, URI url) throws IOException {
        byte[] body = in.readNBytes(MAX_BYTES + 1);
        if (body.length > MAX_BYTES) {
            throw new HubException(HubException.Kind.HTTP_ERROR, url + " answered more than " + MAX_BYTES
                    + " bytes; that is not a file list");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Reads the API's answer.
     *
     * @throws HubException {@code HTTP_ERROR} if it is not the JSON the hub sends, {@code UNSAFE_NAME}
     *     if it lists a name that is not a relative path inside the repository
     */
    static RepoListing parse(String json, String repo, String revision, URI url) throws HubException {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new JsonParseException("not a JSON object");
            }
            root = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw malformed(url, "is not valid JSON (" + e.getMessage() + ")");
        }
        JsonElement sha = root.get("sha");
        if (sha == null || !sha.isJsonPrimitive() || !isCommit(sha.getAsString())) {
            throw malformed(url, "has no \"sha\" of 40 hex digits");
        }
        JsonElement siblings = root.get("siblings");
        if (siblings == null || !siblings.isJsonArray()) {
            throw malformed(url, "has no \"siblings\" list");
        }
        List<String> files = new ArrayList<>();
        Map<String, Long> sizes = new HashMap<>();
        for (JsonElement s : siblings.getAsJsonArray()) {
            JsonElement name = s.isJsonObject() ? s.getAsJsonObject().get("rfilename") : null;
            if (name == null || !name.isJsonPrimitive()) {
                throw malformed(url, "has a sibling without an \"rfilename\": " + s);
            }
            String file = name.getAsString();
            String problem = RepoPaths.problem(file);
            if (problem != null) {
                throw new HubException(HubException.Kind.UNSAFE_NAME, "the hub's file list of " + repo + "@"
                        + revision + " (" + url + ") names \"" + file + "\", which " + problem
                        + "; nothing was downloaded");
            }
            files.add(file);
            Long size = size(s.getAsJsonObject());
            if (size != null) {
                sizes.put(file, size);
            }
        }
        return new RepoListing(sha.getAsString(), List.copyOf(files), Map.copyOf(sizes));
    }

    /** A sibling's {@code size}, else its {@code lfs.size}; null when it has neither as a whole number. */
    private static Long size(JsonObject sibling) {
        JsonElement lfs = sibling.get("lfs");
        JsonElement size = sibling.has("size") ? sibling.get("size")
                : lfs != null && lfs.isJsonObject() ? lfs.getAsJsonObject().get("size") : null;
        if (size == null || !size.isJsonPrimitive() || !size.getAsJsonPrimitive().isNumber()) {
            return null;
        }
        double value = size.getAsDouble();
        return value >= 0 && value == Math.rint(value) ? (long) value : null;
    }

    private static HubException malformed(URI url, String what) {
        return new HubException(HubException.Kind.HTTP_ERROR, "the answer of " + url + " " + what);
    }
}
