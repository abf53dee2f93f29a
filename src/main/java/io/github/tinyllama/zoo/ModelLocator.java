package io.github.tinyllama.zoo;

import ai.djl.util.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Turns what a user typed for a model into a local directory: an existing directory as it is, or
 * the name of a released checkpoint, downloaded from the hub into the cache on first use.
 */
public final class ModelLocator {

    private ModelLocator() {}

    /**
     * Finds or fetches a model at the catalogue's revision.
     *
     * @param nameOrDirectory a model directory, or a zoo name such as {@code TinyLlama-1.1B-Chat-v1.0}
     * @param hub the client to download with
     * @param progress download progress, or {@code null}
     * @return the local directory holding the model's files
     * @throws IOException if it is neither a directory nor a known name, or the download fails
     */
    public static Path locate(String nameOrDirectory, HubClient hub, Progress progress) throws IOException {
        return locate(nameOrDirectory, null, hub, progress);
    }

    /**
     * Finds or fetches a model.
     *
     * @param nameOrDirectory a model directory, or a zoo name such as {@code TinyLlama-1.1B-Chat-v1.0}
     * @param revision a branch, tag or commit of the checkpoint's repository; null for the catalogue's
     * @param hub the client to download with
     * @param progress download progress, or {@code null}
     * @return the local directory holding the model's files (a commit's snapshot for a hub checkpoint)
     * @throws IOException if it is neither a directory nor a known name, the download fails, or a
     *     revision is given for a directory or a bundled model
     */
    public static Path locate(String nameOrDirectory, String revision, HubClient hub, Progress progress)
            throws IOException {
        Path path = Path.of(nameOrDirectory);
        if (Files.isDirectory(path)) {
            if (revision != null) {
                throw new IOException("--revision " + revision + " is for a released checkpoint's name, but "
                        + nameOrDirectory + " is a directory");
            }
            return path;
        }
        return new CheckpointFetch(hub).fetch(entry(nameOrDirectory), revision, progress);
    }

    static CatalogEntry entry(String name) throws IOException {
        return Catalog.find(name).orElseThrow(() -> new IOException("'" + name
                + "' is neither a model directory nor a released checkpoint name (known names: "
                + Catalog.entries().stream().map(CatalogEntry::artifactId).collect(Collectors.joining(", ")) + ")"));
    }
}
