package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code tinyllama-nano} loads by name in another project: a child JVM whose classpath is the
 * packaged jar and its dependencies, in an empty working directory, with an empty DJL cache.
 */
class BundledModelJarIT {
    private static final String PROBE = """
            import ai.djl.inference.Predictor;
            import ai.djl.repository.zoo.Criteria;
            import ai.djl.repository.zoo.ZooModel;

            public class Probe {
                public static void main(String[] args) throws Exception {
                    Criteria<String, String> criteria = Criteria.builder().setTypes(String.class, String.class)
                            .optArtifactId("tinyllama-nano").optArgument("maxNewTokens", 12)
                            .optArgument("temperature", 0).build();
                    try (ZooModel<String, String> model = criteria.loadModel();
                            Predictor<String, String> p = model.newPredictor()) {
                        System.out.println("PATH " + model.getModelPath());
                        System.out.println("TEXT " + p.predict("public static void").replace('\\n', ' '));
                    }
                }
            }
            """;

    @TempDir
    Path elsewhere;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void nanoLoadsByNameFromThePackagedJarInAnotherDirectory() throws Exception {
        Path jar = Path.of(System.getProperty("tinyllama.jar"));
        assertTrue(Files.isRegularFile(jar), "package the jar first (mvn verify): " + jar);
        String dependencies = Files.readString(Path.of(System.getProperty("tinyllama.runtimeClasspath"))).strip();
        Path probe = Files.writeString(elsewhere.resolve("Probe.java"), PROBE);
        Path cache = elsewhere.resolve("djl-cache");
        Path log = elsewhere.resolve("probe.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar.toAbsolutePath() + File.pathSeparator + dependencies,
                "-DDJL_CACHE_DIR=" + cache, "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", probe.toString())
                .directory(elsewhere.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(4, TimeUnit.MINUTES), "the probe finished");
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join("\n", lines));

        Path extracted = Path.of(line(lines, "PATH "));
        assertTrue(extracted.startsWith(cache.resolve("tinyllama/bundled/tinyllama-nano")), extracted.toString());
        Path source = Path.of("model-zoo/nano");
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.mismatch(source.resolve(file), extracted.resolve(file)) < 0, file + " as shipped");
        }
        try (Stream<Path> left = Files.list(extracted.getParent())) {
            assertEquals(List.of(extracted), left.toList(), "no temporary directory left");
        }
        try (TinyLlama nano = TinyLlama.load(source)) {
            assertEquals(nano.generate("public static void", GenerationConfig.greedy(12)).text().replace('\n', ' '),
                    line(lines, "TEXT "), "same continuation as the model in this repository");
        }
    }

    private static String line(List<String> lines, String prefix) throws IOException {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new IOException("no " + prefix + "line in " + lines)).substring(prefix.length());
    }
}
