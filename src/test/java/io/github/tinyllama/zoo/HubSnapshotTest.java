package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.testing.TinyModels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Checkpoints by name against the stand-in hub: files chosen from the hub's listing, pinned to commits. */
@Timeout(120)
class HubSnapshotTest {
    /** Its catalogue entry lists pytorch_model.bin and tokenizer.json; the stand-in repository holds neither. */
    private static final String BASE = "TinyLlama-1.1B-step-50K-105b";
    private static final String BASE_REPO = "PY007/" + BASE;
    private static final String CHAT = "TinyLlama-1.1B-Chat-v1.0";
    private static final String CHAT_REPO = "TinyLlama/" + CHAT;

    @TempDir
    static Path models;
    private static Path source;
    private static Path sharded;

    @TempDir
    Path work;
    private FakeHub fake;

    @BeforeAll
    static void writeModels() throws IOException {
        source = TinyModels.withTokenizer(models.resolve("source"), 5);
        sharded = Files.createDirectories(models.resolve("sharded"));
        try (Checkpoint ckpt = Checkpoint.open(source)) {
            List<TensorSource> tensors = new ArrayList<>();
            for (String name : ckpt.names()) {
                tensors.add(ckpt.source(name, name, ckpt.info(name).dtype()));
            }
            SafetensorsWriter.writeSharded(sharded, Map.of("format", "pt"), tensors, ckpt.totalBytes() / 2 + 1);
        }
    }

    @BeforeEach
    void serve() throws IOException {
        fake = new FakeHub();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private HubClient hub(boolean offline) {
        return HubClient.builder().optEndpoint(fake.endpoint()).optToken(null).optCacheDir(work.resolve("cache"))
                .optOffline(offline).optMaxAttempts(2).optRetryBackoff(Duration.ZERO).build();
    }

    /** The base repository as the hub might really hold it: sharded safetensors and tokenizer.model only. */
    private void serveShardedWithSentencePieceOnly() throws IOException {
        fake.addGitFile(BASE_REPO, "main", "config.json", Files.readAllBytes(source.resolve("config.json")));
        fake.addGitFile(BASE_REPO, "main", "README.md", "# a model card".getBytes(StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(sharded)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".json")) {
                    fake.addGitFile(BASE_REPO, "main", name, Files.readAllBytes(f));
                } else {
                    fake.addLfsFile(BASE_REPO, "main", name, Files.readAllBytes(f));
                }
            }
        }
        fake.addLfsFile(BASE_REPO, "main", "tokenizer.model", Files.readAllBytes(SharedTokenizer.require()));
    }

    private void serveChat(String revision, long seed) throws IOException {
        Path dir = TinyModels.withTokenizer(models.resolve("chat-" + seed), seed);
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            fake.addGitFile(CHAT_REPO, revision, file, Files.readAllBytes(dir.resolve(file)));
        }
        fake.addLfsFile(CHAT_REPO, revision, "model.safetensors", Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    private static String continuation(Path modelDir) throws IOException {
        try (TinyLlama llm = TinyLlama.load(modelDir)) {
            return llm.generate("Hello", GenerationConfig.greedy(4)).text();
        }
    }

    @Test
    void aRepositoryLaidOutOtherwiseThanTheCatalogueLoadsByName() throws Exception {
        serveShardedWithSentencePieceOnly();
        Criteria<String, String> criteria = Criteria.builder().setTypes(String.class, String.class)
                .optModelZoo(new TinyLlamaModelZoo(hub(false))).optArtifactId(BASE)
                .optArgument("maxNewTokens", 4).build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> p = model.newPredictor()) {
            assertEquals(continuation(source), p.predict("Hello"));
            Path dir = model.getModelPath();
            assertEquals("snapshots", dir.getParent().getFileName().toString(), dir.toString());
            try (Stream<Path> files = Files.list(dir)) {
                assertTrue(files.filter(f -> f.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                        .count() > 1, "shards");
            }
            assertFalse(Files.exists(dir.resolve("README.md")), "only what the model needs");
        }
        assertEquals(List.of(), fake.requests().stream().map(FakeHub.Request::path)
                .filter(p -> p.endsWith("pytorch_model.bin") || p.endsWith("tokenizer.json")).toList());
    }

    @Test
    void aBranchThatMovesKeepsBothSnapshotsIntact() throws IOException {
        serveChat("main", 11);
        byte[] firstWeights = Files.readAllBytes(models.resolve("chat-11/model.safetensors"));
        Path first = ModelLocator.locate(CHAT, hub(false), null);

        fake.clear(CHAT_REPO, "main");
        serveChat("main", 12);
        Path second = ModelLocator.locate(CHAT, hub(false), null);

        assertNotEquals(first, second);
        assertArrayEquals(firstWeights, Files.readAllBytes(first.resolve("model.safetensors")), "old commit untouched");
        assertArrayEquals(Files.readAllBytes(models.resolve("chat-12/model.safetensors")),
                Files.readAllBytes(second.resolve("model.safetensors")));
        assertEquals(continuation(models.resolve("chat-12")), continuation(second));

        int requests = fake.requests().size();
        assertEquals(second, ModelLocator.locate(CHAT, hub(true), null), "offline: where main last pointed");
        String firstSha = first.getFileName().toString();
        assertEquals(first, ModelLocator.locate(CHAT, firstSha, hub(true), null), "offline by commit");
        assertEquals(requests, fake.requests().size());
    }

    @Test
    void aRevisionIsChosenThroughCriteria() throws Exception {
        serveChat("main", 11);
        serveChat("v2", 12);
        Criteria<String, String> criteria = Criteria.builder().setTypes(String.class, String.class)
                .optModelZoo(new TinyLlamaModelZoo(hub(false))).optArtifactId(CHAT)
                .optArgument("revision", "v2").optArgument("maxNewTokens", 4).build();
        try (ZooModel<String, String> model = criteria.loadModel(); Predictor<String, String> p = model.newPredictor()) {
            assertEquals(continuation(models.resolve("chat-12")), p.predict("Hello"));
            assertEquals(model.getModelPath().getFileName().toString(), hub(true).cache().commitOf(CHAT_REPO, "v2"));
        }
        assertEquals(List.of(), fake.requests("GET", "/resolve/main/"), "nothing of main was fetched");
    }

    @Test
    void criteriaWithoutArgumentsLoadTheBundledModelAndRefuseARevisionForIt() throws Exception {
        Criteria<String, String> criteria = Criteria.builder().setTypes(String.class, String.class)
                .optModelZoo(new TinyLlamaModelZoo(hub(true))).optArtifactId("tinyllama-nano").build();
        try (ZooModel<String, String> model = criteria.loadModel()) {
            assertTrue(Files.isSameFile(Path.of("model-zoo/nano"), model.getModelPath()), model.getModelPath().toString());
        }
        IOException e = assertThrows(IOException.class,
                () -> ModelLocator.locate("tinyllama-nano", "main", hub(true), null));
        assertTrue(e.getMessage().contains("ships with the library"), e.getMessage());
    }

    @Test
    void anApiAnswering500FallsBackToTheCatalogueWithAWarning() throws IOException {
        fake.apiStatus = 500;
        assertFallsBack();
    }

    @Test
    void anApiAnsweringSomethingElseThanJsonFallsBackToTheCatalogueWithAWarning() throws IOException {
        fake.apiBody = "<html>maintenance</html>";
        assertFallsBack();
    }

    private void assertFallsBack() throws IOException {
        serveChat("main", 11);
        // The catalogue lists these too; the stand-in holds them so that its whole list can be fetched.
        for (String file : List.of("generation_config.json", "tokenizer.model", "special_tokens_map.json")) {
            fake.addGitFile(CHAT_REPO, "main", file, file.endsWith(".json") ? "{}".getBytes(StandardCharsets.UTF_8)
                    : Files.readAllBytes(SharedTokenizer.require()));
        }
        String warnings;
        Path dir;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            dir = ModelLocator.locate(CHAT, hub(false), null);
        } finally {
            System.setErr(err);
            warnings = captured.toString(StandardCharsets.UTF_8);
        }
        assertEquals(hub(true).localDir(CHAT_REPO, "main"), dir, "fetched by the revision's name");
        assertTrue(warnings.contains("Could not ask the hub what " + CHAT_REPO + "@main holds")
                && warnings.contains("catalogue's file list"), warnings);
        assertEquals(continuation(models.resolve("chat-11")), continuation(dir));
        assertEquals(dir, ModelLocator.locate(CHAT, hub(true), null), "and found offline");
    }

    @Test
    void aFileListPointingOutsideTheCacheIsRefusedBeforeAnyDownload() throws IOException {
        serveChat("main", 11);
        fake.extraSiblings.add("../../../outside.json");
        HubException e = assertThrows(HubException.class, () -> ModelLocator.locate(CHAT, hub(false), null));
        assertEquals(HubException.Kind.UNSAFE_NAME, e.kind());
        assertTrue(e.getMessage().contains("names \"../../../outside.json\", which has a \"..\" path segment"),
                e.getMessage());
        assertEquals(List.of(), fake.requests("GET", "/resolve/"));
        assertEquals(List.of(), fake.requests("HEAD", "/resolve/"));
        assertNothingOutsideTheCache();
    }

    @Test
    void anIndexPointingOutsideTheCacheIsRefusedBeforeAnyShardIsFetched() throws IOException {
        fake.addGitFile(BASE_REPO, "main", "config.json", Files.readAllBytes(source.resolve("config.json")));
        fake.addGitFile(BASE_REPO, "main", "tokenizer.json", Files.readAllBytes(source.resolve("tokenizer.json")));
        fake.addGitFile(BASE_REPO, "main", Checkpoint.INDEX_FILE,
                "{\"weight_map\": {\"model.norm.weight\": \"../../../outside.safetensors\"}}"
                        .getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> ModelLocator.locate(BASE, hub(false), null));
        assertTrue(e.getMessage().contains("weight_map entry for tensor \"model.norm.weight\" names "
                + "\"../../../outside.safetensors\", which has a \"..\" path segment"), e.getMessage());
        assertEquals(List.of(), fake.requests().stream().map(FakeHub.Request::path)
                .filter(p -> p.contains("outside")).toList(), "the shard was never asked for");
        assertNothingOutsideTheCache();
    }

    private void assertNothingOutsideTheCache() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("outside")).toList());
        }
        try (Stream<Path> s = Files.list(work)) {
            assertEquals(List.of(), s.filter(p -> !p.equals(work.resolve("cache"))).toList());
        }
    }
}
