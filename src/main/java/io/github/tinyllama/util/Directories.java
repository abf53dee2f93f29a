package io.github.tinyllama.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting and recognising what commands write into output directories. */
public final class Directories {

    private Directories() {}

    /**
     * Whether {@code p} is the temporary file or directory of a write that has not finished (or was
     * killed): a hidden name ending in {@code .tmp}, as {@link AtomicFiles} and staged outputs make.
     */
    public static boolean isTemporary(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") && name.endsWith(".tmp");
    }

    /** Deletes a file, or a directory with everything in it (links are deleted, not followed); nothing if missing. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Refuses to let {@code --overwrite} empty a directory that holds the working directory or the
     * home directory: a mistyped {@code --out .} or {@code --out ~} must not delete a user's files.
     *
     * @throws IOException naming the directory
     */
    public static void checkDeletable(Path dir) throws IOException {
        Path real = dir.toRealPath();
        for (String property : new String[] {"user.dir", "user.home"}) {
            Path protectedDir = Path.of(System.getProperty(property)).toAbsolutePath();
            try {
                protectedDir = protectedDir.toRealPath();
            } catch (IOException e) {
                continue;
            }
            if (protectedDir.startsWith(real)) {
                throw new IOException(dir + ": --overwrite will not delete a directory that holds the "
                        + (property.equals("user.dir") ? "working" : "home") + " directory; choose another output");
            }
        }
    }
}
