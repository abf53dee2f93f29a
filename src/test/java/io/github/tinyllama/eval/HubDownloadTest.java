package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.zoo.FakeHub;
import io.github.tinyllama.zoo.HubClient;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Missing splits fetched from a stand-in hub on 127.0.0.1 ({@link FakeHub}) through the zoo's {@link HubClient},
 * wired as {@code tinyllama eval} wires it ({@code hub::downloadFile}): the hub's Parquet file lands in
 * {@code DATA_DIR/<task>/<split>.parquet}; then nothing is asked of the hub again, online or offline.
 */
class HubDownloadTest {

    @TempDir
    Path tmp;

    private FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubClient client(boolean offline) {
        return HubClient.builder().optEndpoint(hub.endpoint()).optToken(null).optCacheDir(tmp.resolve("cache"))
                .optOffline(offline).optMaxAttempts(1).optRetryBackoff(Duration.ZERO).build();
    }

    /** Serves the Parquet twins of the fixtures where the table of hub files says the hub keeps them. */
    private void publish(Task task, String split) throws IOException {
        DataFiles.HubFile file = DataFiles.hubFile(task.id(), split);
        String revision = file.revision();
        hub.addLfsFile(file.repo(), revision, file.file(),
                Files.readAllBytes(EvalFixtures.parquetDir().resolve(task.id()).resolve(split + ".parquet")));
    }

    @Test
    void downloadsOnceThenReadsWithoutAskingTheHub() throws IOException {
        publish(Task.PIQA, "validation");
        publish(Task.ARC_EASY, "test");
        Path data = tmp.resolve("data");
        List<Task> tasks = List.of(Task.PIQA, Task.ARC_EASY);

        HubClient online = client(false);
        List<Item> fetched = Evaluator.plan(tasks, data, 0, online::downloadFile).items();
        assertEquals(Evaluator.plan(tasks, EvalFixtures.dataDir(), 0).items(), fetched);
        Path piqa = data.resolve("piqa").resolve("validation.parquet");
        assertArrayEquals(Files.readAllBytes(EvalFixtures.parquetDir().resolve("piqa").resolve("validation.parquet")),
                Files.readAllBytes(piqa));
        // The revision refs/convert/parquet travels percent-encoded and arrives whole.
        assertTrue(hub.requests().stream().anyMatch(r -> r.path().equals(
                "/datasets/baber/piqa/resolve/refs/convert/parquet/default/validation/0000.parquet")), hub.requests()
                .toString());

        int before = hub.requests().size();
        assertEquals(fetched, Evaluator.plan(tasks, data, 0, online::downloadFile).items());
        Files.delete(piqa);
        assertEquals(fetched, Evaluator.plan(tasks, data, 0, client(true)::downloadFile).items());
        assertEquals(before, hub.requests().size(), "the data directory, then the hub cache, serve the second runs");
    }

    @Test
    void aMissingFileOfflineNamesThePathAndHowToGetIt() {
        DataException e = assertThrows(DataException.class,
                () -> Evaluator.plan(List.of(Task.HELLASWAG), tmp.resolve("data"), 0, client(true)::downloadFile));
        String message = e.getMessage();
        Path target = tmp.resolve("data").resolve("hellaswag").resolve("validation.parquet");
        assertTrue(message.startsWith(target + ": missing data file for hellaswag/validation"), message);
        assertTrue(message.contains("Offline mode is on") && message.contains("huggingface-cli download Rowan/hellaswag "
                + "data/validation-00000-of-00001.parquet --repo-type dataset --revision main"), message);
        assertEquals(0, hub.requests().size());
        assertTrue(Files.notExists(target));
    }

    @Test
    void aFileTheHubLacksIsReportedWithTheRepository() {
        DataException e = assertThrows(DataException.class,
                () -> Evaluator.plan(List.of(Task.BOOLQ), tmp.resolve("data"), 0, client(false)::downloadFile));
        assertTrue(e.getMessage().contains("downloading the hub's datasets/aps/super_glue file "
                + "boolq/validation/0000.parquet (revision refs/convert/parquet) failed"), e.getMessage());
    }
}
