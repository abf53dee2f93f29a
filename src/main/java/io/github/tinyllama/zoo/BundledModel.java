package io.github.tinyllama.zoo;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.SideFiles;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.util.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A model that ships with the library: its files are classpath resources under
 * {@code io/github/tinyllama/zoo/bundled/{artifactId}/}, so any project that depends on the jar
 * can load it by name.
 *
 * <p>In this repository (the launcher sets {@code tinyllama.home}, or the working directory is the
 * repository's root) the model's own directory is used as it is. Elsewhere the resources are copied
 * once into {@code {cache}/tinyllama/bundled/{artifactId}/{first 16 hex digits of their sha256}},
 * complete or not at all (a temporary sibling renamed into place), so a newer jar with other weights
 * gets a directory of its own.
 */
final class BundledModel {
    /** System property naming the project's home directory (the launcher sets it). */
    static final String HOME_PROPERTY = "tinyllama.home";
    private static final String RESOURCES = "/io/github/tinyllama/zoo/bundled/";

    private BundledModel() {}

    /** The model's directory, copying it out of the jar when needed. */
    static Path directory(CatalogEntry entry, HubClient hub) throws IOException {
        Path home = homeDirectory(entry);
        if (home != null) {
            return home;
        }
        Resources resources = resources(entry);
        Path dir = extractedDirectory(entry, hub, resources);
        if (!Files.isRegularFile(dir.resolve(LlamaConfig.FILE_NAME))) {
            extract(entry, resources, dir);
        }
        return dir;
    }

    /** The model's directory when it is already on disk, else null. */
    static Path cachedDirectory(CatalogEntry entry, HubClient hub) throws IOException {
        Path home = homeDirectory(entry);
        if (home != null) {
            return home;
        }
        Path dir = extractedDirectory(entry, hub, resources(entry));
        return Files.isRegularFile(dir.resolve(LlamaConfig.FILE_NAME)) ? dir : null;
    }

    private static Path homeDirectory(CatalogEntry entry) {
        Path dir = Path.of(System.getProperty(HOME_PROPERTY, ".")).resolve(entry.bundled());
        return Files.isRegularFile(dir.resolve(LlamaConfig.FILE_NAME)) ? dir : null;
    }

    /** The resource files of a bundled model and their combined sha256. */
    private record Resources(List<String> files, String sha256) {}

    private static Resources resources(CatalogEntry entry) throws IOException {
        MessageDigest md = Sha256.digest();
        List<String> candidates = new ArrayList<>(List.of(LlamaConfig.FILE_NAME, Checkpoint.SINGLE_FILE));
        candidates.addAll(SideFiles.NAMES);
        List<String> files = new ArrayList<>();
        for (String name : candidates) {
            try (InputStream in = open(entry, name)) {
                if (in != null) {
                    md.update(name.getBytes(StandardCharsets.UTF_8));
                    new DigestInputStream(in, md).transferTo(OutputStream.nullOutputStream());
                    files.add(name);
                }
            }
        }
        if (!files.contains(LlamaConfig.FILE_NAME)) {
            throw new IOException("the bundled model " + entry.artifactId() + " is neither in "
                    + Path.of(System.getProperty(HOME_PROPERTY, ".")).resolve(entry.bundled()).toAbsolutePath()
                    + " nor on the classpath (" + RESOURCES + entry.artifactId() + "/): rebuild it with "
                    + "model-zoo/nano/build.sh, or use a jar of this library");
        }
        return new Resources(List.copyOf(files), Sha256.hex(md));
    }

    private static InputStream open(CatalogEntry entry, String name) {
        return BundledModel.class.getResourceAsStream(RESOURCES + entry.artifactId() + "/" + name);
    }

    private static Path extractedDirectory(CatalogEntry entry, HubClient hub, Resources resources) {
        return hub.cacheRoot().resolveSibling("bundled").resolve(entry.artifactId())
                .resolve(resources.sha256().substring(0, 16));
    }

    private static void extract(CatalogEntry entry, Resources resources, Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        Path tmp = dir.resolveSibling("." + dir.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectory(tmp);
            for (String name : resources.files()) {
                try (InputStream in = open(entry, name)) {
                    Files.copy(in, tmp.resolve(name));
                }
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
            if (!Files.isRegularFile(dir.resolve(LlamaConfig.FILE_NAME))) {
                throw e;
            }
            // Another process extracted the same files first.
        } finally {
            deleteTree(tmp);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
