package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.RandomPacked;
import io.github.tinyllama.util.RunManifest;
import io.github.tinyllama.testing.TinyModels;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tinyllama models} and {@code tinyllama download} against the stand-in hub, online and offline: sizes on
 * the hub, the cache, revisions (and a loading command's {@code --revision}).
 */
@Timeout(120)
class HubCommandsTest {
    private static final String NAME = "TinyLlama-1.1B-Chat-v1.0";
    private static final String REPO = "TinyLlama/" + NAME;

    @TempDir
    Path work;
    private FakeHub fake;
    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void serve() throws IOException {
        fake = new FakeHub();
        for (String revision : List.of("main", "v2")) {
            Path model = TinyModels.withTokenizer(work.resolve("model-" + revision), revision.length());
            for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
                fake.addGitFile(REPO, revision, file, Files.readAllBytes(model.resolve(file)));
            }
            fake.addLfsFile(REPO, revision, "model.safetensors", Files.readAllBytes(model.resolve("model.safetensors")));
        }
        set("HF_ENDPOINT", fake.endpoint());
        set("DJL_CACHE_DIR", work.resolve("djl-cache").toString());
        set("ai.djl.offline", "false");
    }

    private void set(String key, String value) {
        saved.putIfAbsent(key, System.getProperty(key));
        System.setProperty(key, value);
    }

    @AfterEach
    void restore() {
        fake.close();
        saved.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }

    private static JsonObject entry(CliRun models, String name) {
        for (JsonElement e : JsonParser.parseString(models.out()).getAsJsonArray()) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError(name + " not listed: " + models.out());
    }

    @Test
    void downloadFetchesOnceAndModelsShowsWhereItIsOffline() throws IOException {
        CliRun before = CliRun.of("models", "--json");
        assertEquals(0, before.status(), before.err());
        JsonArray all = JsonParser.parseString(before.out()).getAsJsonArray();
        assertEquals(Catalog.entries().size(), all.size());
        JsonObject chat = entry(before, NAME);
        assertFalse(chat.get("cached").getAsBoolean());
        assertEquals("zephyr", chat.get("chat_format").getAsString());
        assertEquals("3T", chat.get("training_tokens").getAsString());
        assertTrue(chat.get("paper").isJsonNull(), "the paper gives no scores for it");
        JsonObject base = entry(before, "TinyLlama-1.1B-intermediate-step-1431k-3T");
        assertEquals(52.99, base.getAsJsonObject("paper").getAsJsonObject("commonsense").get("average").getAsDouble());
        assertEquals(filesAt("main"), chat.get("hub_bytes").getAsLong(), "the hub's sizes of what download fetches");
        assertTrue(base.get("hub_bytes").isJsonNull(), "the stand-in hub does not hold it: unknown");
        assertTrue(entry(before, "tinyllama-nano").get("hub_bytes").isJsonNull(), "bundled, not on the hub");
        assertTrue(fake.requests().stream().allMatch(r -> r.path().startsWith("/api/models/")),
                "models asks the API only, downloads nothing: " + fake.requests());
        assertEquals(Catalog.entries().size() - 1, fake.requests().size(), "one request per hub repository");

        CliRun download = CliRun.of("download", NAME);
        assertEquals(0, download.status(), download.err());
        Path dir = Path.of(download.out().strip());
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")), dir.toString());

        set("ai.djl.offline", "true");
        int requests = fake.requests().size();
        CliRun again = CliRun.of("download", NAME);
        assertEquals(0, again.status(), again.err());
        assertEquals(dir.toString(), again.out().strip());
        JsonObject listed = entry(CliRun.of("models", "--json"), NAME);
        assertTrue(listed.get("cached").getAsBoolean());
        assertEquals(dir.toString(), listed.get("path").getAsString());
        assertEquals(Files.size(dir.resolve("model.safetensors")) + Files.size(dir.resolve("config.json"))
                + Files.size(dir.resolve("tokenizer.json")) + Files.size(dir.resolve("tokenizer_config.json")),
                listed.get("bytes").getAsLong());
        CliRun table = CliRun.of("models");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith(NAME + " ") && l.contains(dir.toString())),
                table.out());
        assertEquals(filesAt("main"), listed.get("hub_bytes").getAsLong(), "offline: the size the cache remembers");
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("TinyLlama-1.1B-intermediate-step-1431k-3T ")
                && l.contains(" unknown ")), table.out());
        assertEquals(requests, fake.requests().size(), "offline: no request");
    }

    @Test
    void modelsRemembersHubSizesAndAsksNoMoreOnceTheApiFails() {
        assertEquals(0, CliRun.of("models", "--json").status());
        fake.apiStatus = 500;
        int before = fake.requests().size();
        CliRun failing = CliRun.of("models", "--json");
        assertEquals(0, failing.status(), failing.err());
        assertEquals(filesAt("main"), entry(failing, NAME).get("hub_bytes").getAsLong(), "remembered");
        assertEquals(1, fake.requests().size() - before, "one failed request, no retries, no more repositories");
        assertEquals(1, failing.err().lines().filter(l -> l.contains("Could not ask the hub for the checkpoints'"
                + " sizes")).count(), failing.err());
    }

    @Test
    void modelsAndLoadingCommandsTakeARevision() throws IOException {
        assertEquals(0, CliRun.of("download", NAME, "--revision", "v2").status());
        CliRun v2 = CliRun.of("models", "--json", "--revision", "v2");
        assertEquals(0, v2.status(), v2.err());
        JsonObject chat = entry(v2, NAME);
        assertEquals("v2", chat.get("revision").getAsString());
        assertTrue(chat.get("cached").getAsBoolean());
        assertEquals(filesAt("v2"), chat.get("hub_bytes").getAsLong());
        assertFalse(entry(CliRun.of("models", "--json"), NAME).get("cached").getAsBoolean(), "main is not cached");

        CliRun score = CliRun.of("score", "--model", NAME, "--revision", "v2", "--ids", "1,2,3", "--json");
        assertEquals(0, score.status(), score.err());
        CliRun local = CliRun.of("score", "--model", work.resolve("model-v2").toString(), "--ids", "1,2,3", "--json");
        assertEquals(local.json().get("logprobs"), score.json().get("logprobs"), "v2's weights");
        CliRun tokenize = CliRun.of("tokenize", "--model", NAME, "--revision", "v2", "--text", "Hello");
        assertEquals(0, tokenize.status(), tokenize.err());
        assertEquals(List.of(), fake.requests("GET", "/resolve/main/"), "nothing of main was fetched");
        CliRun merge = CliRun.of("merge-adapter", "--model", work.resolve("model-v2").toString(), "--revision", "v2",
                "--adapter", work.toString(), "--out", work.resolve("merged").toString());
        assertEquals(1, merge.status(), merge.err());
        assertTrue(merge.err().contains("--revision v2 is for a released checkpoint's name"), merge.err());
    }

    @Test
    void trainingCommandsTakeARevision() throws IOException {
        Path data = work.resolve("data");
        RandomPacked.write(data, 4096, 17 * 64, 1, 1, "train");
        Path out = work.resolve("run");
        CliRun pretrain = CliRun.of("pretrain", "--data-dir", data.toString(), "--out", out.toString(), "--init", NAME,
                "--revision", "v2", "--seq-len", "16", "--micro-batch-size", "2", "--global-batch-size", "2",
                "--max-steps", "1", "--warmup-steps", "1");
        assertEquals(0, pretrain.status(), pretrain.err());
        HubClient cache = HubClient.builder().optCacheDir(work.resolve("djl-cache")).optOffline(true).build();
        Path v2 = cache.localDir(REPO, cache.cache().commitOf(REPO, "v2"));
        assertEquals(v2.toString(), RunManifest.read(out.resolve(RunManifest.FILE_NAME)).orElseThrow().identity()
                .get("model"), "started from v2's snapshot");
        assertEquals(List.of(), fake.requests("GET", "/resolve/main/"), "nothing of main was fetched");

        CliRun fromConfig = CliRun.of("pretrain", "--data-dir", data.toString(), "--out", work.resolve("x").toString(),
                "--config", v2.resolve("config.json").toString(), "--revision", "v2", "--max-steps", "1");
        assertEquals(2, fromConfig.status(), fromConfig.err());
        assertTrue(fromConfig.err().contains("--revision selects the commit of --init NAME"), fromConfig.err());
        CliRun finetune = CliRun.of("finetune", "--model", v2.toString(), "--revision", "v2", "--data",
                data.toString(), "--out", work.resolve("y").toString());
        assertEquals(1, finetune.status(), finetune.err());
        assertTrue(finetune.err().contains("--revision v2 is for a released checkpoint's name, but " + v2
                + " is a directory"), finetune.err());
    }

    /** The bytes of the files the stand-in hub holds at a revision: what a download of it fetches. */
    private long filesAt(String revision) {
        long total = 0;
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            try {
                total += Files.size(work.resolve("model-" + revision).resolve(file));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return total;
    }

    @Test
    void downloadTakesARevisionAndOfflineMissesSayWhatToDo() {
        CliRun v2 = CliRun.of("download", NAME, "--revision", "v2");
        assertEquals(0, v2.status(), v2.err());
        assertTrue(Files.isRegularFile(Path.of(v2.out().strip()).resolve("model.safetensors")));
        assertEquals(List.of(), fake.requests("GET", "/resolve/main/"));

        set("ai.djl.offline", "true");
        CliRun main = CliRun.of("download", NAME);
        assertEquals(1, main.status());
        assertTrue(main.err().contains("Offline mode is on") && main.err().contains(REPO), main.err());
        CliRun unknown = CliRun.of("download", "no-such-model");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().contains("'no-such-model'") && unknown.err().contains(NAME), unknown.err());
    }
}
