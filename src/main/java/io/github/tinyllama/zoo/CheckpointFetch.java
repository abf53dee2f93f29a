package io.github.tinyllama.zoo;

import ai.djl.util.Progress;
import io.github.tinyllama.checkpoint.ShardIndex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a released checkpoint into the cache, pinned to one commit.
 *
 * <p>Online, the hub's API says which commit the revision points to and which files the repository
 * holds; {@link ModelFiles} chooses from them, shards come from the downloaded index, and everything
 * lands in the commit's snapshot directory. Only then does the revision's ref point to it. When the
 * API fails (an error answer, something that is not its JSON, no network) the catalogue's file list
 * is fetched by the revision's name instead, with a warning, unless the cache already holds the
 * revision. Offline, the ref and snapshot found in the cache are used, else the catalogue's files if
 * they are cached.
 */
final class CheckpointFetch {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointFetch.class);

    private final HubClient hub;

    CheckpointFetch(HubClient hub) {
        this.hub = hub;
    }

    /**
     * Returns the local directory of a checkpoint, downloading what is missing.
     *
     * @param revision a branch, tag or commit; null for the catalogue's
     */
    Path fetch(CatalogEntry entry, String revision, Progress progress) throws IOException {
        if (entry.bundled() != null) {
            if (revision != null) {
                throw new IOException("a revision (" + revision + ") is for checkpoints on the hub, but "
                        + entry.artifactId() + " ships with the library");
            }
            return BundledModel.directory(entry, hub);
        }
        String rev = revision != null ? revision : entry.revision();
        if (hub.isOffline()) {
            Path cached = cached(entry, rev);
            return cached != null ? cached : fromCatalogue(entry, rev, progress);
        }
        RepoListing listing;
        try {
            listing = hub.listing(entry.repo(), rev);
        } catch (HubException e) {
            if (e.kind() == HubException.Kind.UNSAFE_NAME) {
                throw e;
            }
            Path cached = cached(entry, rev);
            if (cached != null) {
                LOG.warn("Could not ask the hub what {}@{} holds ({}); using the copy in the cache, {}",
                        entry.repo(), rev, e.getMessage(), cached);
                return cached;
            }
            LOG.warn("Could not ask the hub what {}@{} holds ({}); downloading the catalogue's file list instead",
                    entry.repo(), rev, e.getMessage());
            return fromCatalogue(entry, rev, progress);
        }
        return snapshot(entry.repo(), rev, listing, progress);
    }

    /** The cached directory of a checkpoint at a revision, without any network access; null when absent. */
    Path cached(CatalogEntry entry, String revision) throws IOException {
        if (entry.bundled() != null) {
            return BundledModel.cachedDirectory(entry, hub);
        }
        String rev = revision != null ? revision : entry.revision();
        HubCache cache = hub.cache();
        String sha = cache.commitOf(entry.repo(), rev);
        List<String> files = sha == null ? null : cache.snapshotFiles(entry.repo(), sha);
        if (files != null && hub.isCached(entry.repo(), sha, files)) {
            return hub.localDir(entry.repo(), sha);
        }
        if (!entry.files().isEmpty() && hub.isCached(entry.repo(), rev, entry.files())) {
            return hub.localDir(entry.repo(), rev);
        }
        return null;
    }

    /** Downloads the chosen files of one commit, then points the revision's ref at it. */
    private Path snapshot(String repo, String revision, RepoListing listing, Progress progress) throws IOException {
        String sha = listing.sha();
        ModelFiles chosen = ModelFiles.choose(repo, listing);
        List<String> files = new ArrayList<>(chosen.files());
        if (chosen.index() != null) {
            // The index names the shards; it is read (and every name checked) before any shard is asked for.
            Path index = hub.download(repo, sha, List.of(chosen.index()), null).resolve(chosen.index());
            for (Path shard : ShardIndex.read(index).weightMap().values()) {
                String name = shard.getFileName().toString();
                if (!listing.files().contains(name)) {
                    throw new HubException(HubException.Kind.NOT_FOUND, repo + "@" + sha + ": " + chosen.index()
                            + " names the shard " + name + ", which the repository does not hold");
                }
                if (!files.contains(name)) {
                    files.add(name);
                }
            }
        }
        Path dir = hub.download(repo, sha, files, progress);
        hub.cache().recordSnapshot(repo, revision, sha, files);
        Long hubBytes = listing.bytesOf(files);
        if (hubBytes != null) {
            hub.cache().recordHubBytes(repo, revision, hubBytes);
        }
        return dir;
    }

    /** The catalogue's files, fetched by the revision's name; optional files only when the hub has them. */
    private Path fromCatalogue(CatalogEntry entry, String revision, Progress progress) throws IOException {
        Path dir = hub.download(entry.repo(), revision, entry.files(), progress);
        if (entry.optionalFiles() == null || hub.isOffline()) {
            return dir;
        }
        for (String file : entry.optionalFiles()) {
            try {
                hub.download(entry.repo(), revision, List.of(file), null);
            } catch (HubException e) {
                if (e.kind() != HubException.Kind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return dir;
    }
}
