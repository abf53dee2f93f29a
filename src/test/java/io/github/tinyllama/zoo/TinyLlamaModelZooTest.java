package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Application;
import ai.djl.inference.Predictor;
import ai.djl.repository.MRL;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;

import io.github.tinyllama.cli.Main;
import io.github.tinyllama.generate.Chat;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.SharedTokenizer;
import io.github.tinyllama.testing.TinyModels;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The zoo end to end against a stand-in hub on 127.0.0.1 serving a tiny random model under the
 * name of TinyLlama-1.1B-Chat-v1.0 (with the real tokenizer and the Zephyr chat template).
 */
class TinyLlamaModelZooTest {

    private static final String NAME = "TinyLlama-1.1B-Chat-v1.0";
    private static final String REPO = "TinyLlama/" + NAME;

    @TempDir
    static Path dir;

    private static FakeHub fake;
    private static Path source;

    @BeforeAll
    static void serve() throws IOException {
        source = TinyModels.withTokenizer(dir.resolve("source"), 3);
        JsonObject tokenizerConfig = new JsonObject();
        tokenizerConfig.addProperty("chat_template", ChatTemplate.ZEPHYR_JINJA);
        tokenizerConfig.addProperty("bos_token", "<s>");
        tokenizerConfig.addProperty("eos_token", "</s>");
        Files.writeString(source.resolve("tokenizer_config.json"), tokenizerConfig.toString());
        Files.writeString(source.resolve("special_tokens_map.json"), "{}");
        fake = new FakeHub();
        for (String file : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json")) {
            fake.addGitFile(REPO, "main", file, Files.readAllBytes(source.resolve(file)));
        }
        fake.addLfsFile(REPO, "main", "model.safetensors", Files.readAllBytes(source.resolve("model.safetensors")));
        fake.addLfsFile(REPO, "main", "tokenizer.model", Files.readAllBytes(SharedTokenizer.require()));
    }

    @AfterAll
    static void stop() {
        if (fake != null) {
            fake.close();
        }
    }

    private static HubClient hub(boolean offline) {
        return HubClient.builder().optEndpoint(fake.endpoint()).optToken(null).optCacheDir(dir.resolve("cache"))
                .optOffline(offline).build();
    }

    private static String expectedContinuation(String prompt, int tokens) throws IOException {
        try (TinyLlama llm = TinyLlama.load(source)) {
            return llm.generate(prompt, GenerationConfig.greedy(tokens)).text();
        }
    }

    @Test
    void byNameDownloadsOnceThenLoadsFromTheCache() throws Exception {
        Criteria<String, String> online = Criteria.builder().setTypes(String.class, String.class)
                .optApplication(Application.NLP.TEXT_GENERATION)
                .optModelZoo(new TinyLlamaModelZoo(hub(false)))
                .optArtifactId(NAME)
                .optArgument("maxNewTokens", 5)
                .build();
        try (ZooModel<String, String> model = online.loadModel(); Predictor<String, String> p = model.newPredictor()) {
            assertEquals(expectedContinuation("Hello", 5), p.predict("Hello"));
        }
        int requests = fake.requests().size();
        Criteria<String, String> offline = online.toBuilder().optModelZoo(new TinyLlamaModelZoo(hub(true))).build();
        try (ZooModel<String, String> model = offline.loadModel(); Predictor<String, String> p = model.newPredictor()) {
            assertEquals(expectedContinuation("Hello", 5), p.predict("Hello"));
        }
        assertEquals(requests, fake.requests().size(), "the second load makes no requests");
    }

    @Test
    void filtersSelectByChatFormatAndTrainingTokens() throws Exception {
        Criteria<String, String> criteria = Criteria.builder().setTypes(String.class, String.class)
                .optModelZoo(new TinyLlamaModelZoo(hub(false)))
                .optFilters(Map.of("chatFormat", "zephyr", "trainingTokens", "3T"))
                .optArgument("maxNewTokens", 2)
                .build();
        try (ZooModel<String, String> model = criteria.loadModel()) {
            String sha = hub(true).cache().commitOf(REPO, "main");
            assertEquals(hub(false).cacheRoot().resolve("TinyLlama--" + NAME + "/snapshots/" + sha),
                    model.getModelPath(), "pinned to the commit main points to");
        }
    }

    @Test
    void conversationsAreRenderedWithTheCheckpointsTemplate() throws Exception {
        Criteria<Conversation, String> criteria = Criteria.builder().setTypes(Conversation.class, String.class)
                .optModelZoo(new TinyLlamaModelZoo(hub(false)))
                .optArtifactId(NAME)
                .optArgument("maxNewTokens", 6)
                .build();
        String expected;
        try (TinyLlama llm = TinyLlama.load(source);
                Chat chat = Chat.start(llm, ChatTemplate.ZEPHYR, "Be brief.", GenerationConfig.greedy(6))) {
            expected = chat.say("Hi!", text -> { }).text().strip();
        }
        try (ZooModel<Conversation, String> model = criteria.loadModel();
                Predictor<Conversation, String> p = model.newPredictor()) {
            assertEquals(expected, p.predict(Conversation.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi!"))));
        }
    }

    @Test
    void theZooIsRegisteredWithDjlAndListsEveryReleasedCheckpoint() throws Exception {
        ModelZoo zoo = ModelZoo.getModelZoo(TinyLlamaModelZoo.GROUP_ID);
        assertTrue(zoo instanceof TinyLlamaModelZoo);
        assertEquals(Catalog.entries().size(), zoo.getModelLoaders().size());
        List<MRL> generation = ModelZoo.listModels().get(Application.NLP.TEXT_GENERATION);
        assertTrue(generation.stream().anyMatch(m -> m.getArtifactId().equals(NAME)), String.valueOf(generation));
        assertTrue(zoo.getModelLoader("TinyLlama-1.1B-intermediate-step-1431k-3T") != null);
    }

    @Test
    void theCommandLineTakesTheName() throws Exception {
        Map<String, String> properties = Map.of("HF_ENDPOINT", fake.endpoint(),
                "DJL_CACHE_DIR", dir.resolve("djl-cache").toString(), "ai.djl.offline", "false");
        Map<String, String> saved = new java.util.HashMap<>();
        properties.forEach((k, v) -> saved.put(k, System.getProperty(k)));
        try {
            properties.forEach(System::setProperty);
            assertEquals(0, Main.run("generate", "--model", NAME, "--prompt", "Hello", "--max-new-tokens", "3",
                    "--json"));
            HubClient cli = HubClient.builder().optCacheDir(dir.resolve("djl-cache")).optOffline(true).build();
            String sha = cli.cache().commitOf(REPO, "main");
            assertTrue(Files.isRegularFile(cli.localDir(REPO, sha).resolve("model.safetensors")), sha);
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }
}
