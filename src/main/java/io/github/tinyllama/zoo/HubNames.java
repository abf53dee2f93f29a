package io.github.tinyllama.zoo;

import io.github.tinyllama.util.RepoPaths;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/** Repository ids, revisions and file names as the hub spells them, checked before any request or write. */
final class HubNames {
    /** The prefix of a data set's repository id, as in the hub's URLs. */
    static final String DATASETS = "datasets/";

    /** A model's repository id, {@code owner/name}, or a data set's, {@code datasets/owner/name} (as in URLs). */
    private static final Pattern REPO =
            Pattern.compile("(datasets/)?[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]*");

    private HubNames() {}

    static void checkRepo(String repo) {
        Objects.requireNonNull(repo, "repo");
        if (!REPO.matcher(repo).matches() || repo.contains("..") || repo.contains("--")) {
            throw new IllegalArgumentException(
                    "not a Hugging Face repository id (owner/name or datasets/owner/name): \"" + repo + "\"");
        }
    }

    static void checkRevision(String revision) {
        Objects.requireNonNull(revision, "revision");
        if (!REVISION.matcher(revision).matches() || revision.contains("..") || revision.contains("--")
                || revision.endsWith("/") || revision.contains("//")) {
            throw new IllegalArgumentException("not a usable revision (branch, tag or commit): \"" + revision + "\"");
        }
    }

    static void checkFile(String repo, String revision, String file) {
        Objects.requireNonNull(file, "file");
        RepoPaths.check(file, "the file list of " + repo + "@" + revision);
        if (file.endsWith(".part")) {
            throw new IllegalArgumentException("file names ending in .part are reserved for downloads: " + file);
        }
    }

    /** A repository id or revision as one directory name: {@code /} becomes {@code --}, which neither may hold. */
    static String flat(String repoOrRevision) {
        return repoOrRevision.replace("/", "--");
    }

    /**
     * {@code {endpoint}/{repo}/resolve/{revision}/{file}}, with the revision and file percent-encoded.
     *
     * @throws IllegalArgumentException if an argument is malformed
     */
    static URI fileUrl(String endpoint, String repo, String revision, String file) {
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

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
