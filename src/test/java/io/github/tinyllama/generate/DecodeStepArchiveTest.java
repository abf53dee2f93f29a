package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The committed TorchScript archive is what {@code src/main/python/decode_step.py} generates: regenerated with
 * Debian's {@code python3-torch} (which {@code .ci/run} installs), every entry must be byte-identical except
 * the {@code .debug_pkl} source maps, which record the absolute path of the generating file.
 */
class DecodeStepArchiveTest {

    private static final Path SOURCE = Path.of("src/main/python/decode_step.py");
    private static final Path COMMITTED = Path.of("src/main/resources/io/github/tinyllama/generate/")
            .resolve(ScriptedStep.RESOURCE);
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @Test
    void committedArchiveIsWhatTheSourceGenerates() throws IOException, InterruptedException {
        Path regenerated = dir.resolve(ScriptedStep.RESOURCE);
        Process p = new ProcessBuilder(PYTHON, SOURCE.toString(), regenerated.toString()).redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the generator did not finish");
        assertEquals(0, p.exitValue(), "regenerating the archive failed (needs Debian's python3-torch: "
                + "apt-get install -y python3-torch; .ci/run installs it):\n" + output);
        Map<String, String> expected = entries(COMMITTED);
        Map<String, String> actual = entries(regenerated);
        assertTrue(actual.keySet().stream().anyMatch(n -> n.endsWith("code/__torch__.py")), actual.keySet().toString());
        assertEquals(expected, actual, "src/main/python/decode_step.py changed: regenerate " + COMMITTED + " with "
                + PYTHON + " " + SOURCE + " " + COMMITTED);
    }

    /** Every entry but the source maps, by name, as text (code and pickles alike, compared exactly). */
    private static Map<String, String> entries(Path archive) throws IOException {
        Map<String, String> out = new TreeMap<>();
        // ZipFile, not ZipInputStream: torch writes stored entries with data descriptors, which only the
        // central directory describes.
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (!e.getName().endsWith(".debug_pkl")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
        return out;
    }
}
