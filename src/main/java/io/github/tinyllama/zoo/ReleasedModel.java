package io.github.tinyllama.zoo;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One model of the catalogue as a user sees it: what it is, and whether (and where) it is cached.
 *
 * @param name the name to load it by
 * @param repo the Hugging Face repository, or null for a model that ships with the library
 * @param revision the branch, tag or commit the catalogue loads
 * @param family base, chat, code, v1.1 or nano
 * @param trainingTokens pre-training tokens as people write them ("105B", "3T"), or "unknown"
 * @param chatFormat the chat template: zephyr, chatml, guanaco or none
 * @param license the licence id
 * @param description what it is
 * @param paper the scores the TinyLlama authors published (benchmark tables), or null
 * @param cachedAt the local directory when it is on disk (a commit's snapshot for a hub model), else null
 * @param bytes the size of its files on disk, which are the hub's files, when cached; else null
 * @param hubBytes the size of what its download fetches from the hub (config, weights with every shard,
 *     tokenizer and side files) when the hub or the cache knows it; else null (and for a bundled model)
 */
public record ReleasedModel(String name, String repo, String revision, String family, String trainingTokens,
        String chatFormat, String license, String description, JsonObject paper, Path cachedAt, Long bytes,
        Long hubBytes) {

    /**
     * Every catalogue entry, with what the cache holds and the size of its download on the hub. Online, the hub's
     * API is asked once for each repository's file sizes (no file is downloaded); offline, or when the hub cannot
     * be asked, the sizes come from the cache (remembered by earlier listings and downloads).
     *
     * @param hub the client whose cache is looked in and whose hub is asked
     * @param revision a branch, tag or commit to look at in every repository; null for the catalogue's
     * @return the models in catalogue order
     * @throws IOException if the cache cannot be read
     */
    public static List<ReleasedModel> list(HubClient hub, String revision) throws IOException {
        CheckpointFetch fetch = new CheckpointFetch(hub);
        HubSizes sizes = new HubSizes(hub);
        List<ReleasedModel> models = new ArrayList<>();
        for (CatalogEntry e : Catalog.entries()) {
            boolean onHub = e.bundled() == null;
            String rev = onHub && revision != null ? revision : e.revision();
            Path dir = fetch.cached(e, rev);
            models.add(new ReleasedModel(e.artifactId(), e.repo(), rev, e.family(), e.tokensLabel(), e.chatFormat(),
                    e.license(), e.description(), e.paper(), dir, dir == null ? null : sizeOf(dir),
                    onHub ? sizes.of(e, rev) : null));
        }
        return models;
    }

    /**
     * Downloads a model without loading it (nothing happens for one already cached).
     *
     * @param name a catalogue name
     * @param revision a branch, tag or commit; null for the catalogue's
     * @param hub the client to download with
     * @param progress download progress, or null
     * @return the local directory
     * @throws IOException if the name is unknown or the download fails
     */
    public static Path download(String name, String revision, HubClient hub, ai.djl.util.Progress progress)
            throws IOException {
        return new CheckpointFetch(hub).fetch(ModelLocator.entry(name), revision, progress);
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long total = 0;
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }
}
