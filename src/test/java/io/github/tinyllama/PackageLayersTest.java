package io.github.tinyllama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Holds every package to the "May import:" line of its {@code package-info.java}, so the layering the
 * documentation states is the layering the code has. Subpackages ({@code data.parquet}) follow their
 * top-level package's line.
 */
class PackageLayersTest {
    private static final Path SOURCES = Path.of("src/main/java/io/github/tinyllama");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.github\\.tinyllama\\.(\\w+)",
            Pattern.MULTILINE);
    private static final Pattern MAY_IMPORT = Pattern.compile("May import:(.*?)\\.\\s*(?:\\*/|\\n\\s*\\*\\s*\\n|[A-Z])",
            Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("\\{@code (\\w+)}");

    @Test
    void everyPackageImportsOnlyWhatItsPackageInfoAllows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String pkg : topLevelPackages()) {
            Set<String> allowed = allowedImports(pkg);
            for (Path file : javaFiles(SOURCES.resolve(pkg))) {
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg) && !allowed.contains(target)) {
                        violations.add(SOURCES.relativize(file) + " imports " + target);
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void theMayImportLinesFormNoCircle() throws IOException {
        for (String pkg : topLevelPackages()) {
            Set<String> reachable = new TreeSet<>();
            List<String> todo = new ArrayList<>(allowedImports(pkg));
            while (!todo.isEmpty()) {
                String next = todo.remove(todo.size() - 1);
                if (reachable.add(next)) {
                    todo.addAll(allowedImports(next));
                }
            }
            assertTrue(!reachable.contains(pkg), pkg + " may import itself through " + reachable);
        }
    }

    private static Set<String> topLevelPackages() throws IOException {
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Every package of the project for "every package", none for "nothing". */
    private static Set<String> allowedImports(String pkg) throws IOException {
        Path info = SOURCES.resolve(pkg).resolve("package-info.java");
        assertTrue(Files.exists(info), pkg + " has no package-info.java");
        Matcher line = MAY_IMPORT.matcher(Files.readString(info));
        assertTrue(line.find(), info + " states no \"May import:\" line");
        String text = line.group(1);
        if (text.contains("every package")) {
            Set<String> all = topLevelPackages();
            all.remove(pkg);
            return all;
        }
        Set<String> names = new TreeSet<>();
        Matcher code = CODE.matcher(text);
        while (code.find()) {
            names.add(code.group(1));
        }
        return names;
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList();
        }
    }
}
