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
     * Finds or fetches a model.
     *
     * @param nameOrDirectory a model directory, or a zoo name such as {@code TinyLlama-1.1B-Chat-v1.0}
     * @param hub the client to download with
     * @param progress download progress, or {@code null}
     * @return the local directory holding the model's files
     * @throws IOException if it is neither a directory nor a known name, or the download fails
     */
    public static Path locate(String nameOrDirectory, HubClient hub, Progress progress) throws IOException {
        Path path = Path.of(nameOrDirectory);
        if (Files.isDirectory(path)) {
            return path;
        }
        CatalogEntry entry = Catalog.find(nameOrDirectory).orElseThrow(() -> new IOException("'" + nameOrDirectory
                + "' is neither a model directory nor a released checkpoint name (known names: "
                + Catalog.entries().stream().map(CatalogEntry::artifactId).collect(Collectors.joining(", ")) + ")"));
        return new HubRepository(hub).fetch(entry, progress);
    }
}
