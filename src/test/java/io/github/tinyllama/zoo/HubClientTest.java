package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.util.Progress;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class HubClientTest {
    private static final String REPO = "TinyLlama/tiny-random";
    private static final String REV = "main";
    private static final String MODEL = "model.safetensors";
    private static final List<String> FILES = List.of("config.json", "tokenizer.model", MODEL);

    @TempDir
    Path cache;

    private FakeHub hub;
    private byte[] config;
    private byte[] tokenizer;
    private byte[] model;

    @BeforeEach
    void serve() throws IOException {
        hub = new FakeHub();
        config = "{\"hidden_size\": 64, \"num_hidden_layers\": 2}\n".getBytes(StandardCharsets.UTF_8);
        tokenizer = FakeHub.randomBytes(3_000, 1);
        model = FakeHub.randomBytes(1_000_003, 2);
        hub.addGitFile(REPO, REV, "config.json", config);
        hub.addGitFile(REPO, REV, "tokenizer.model", tokenizer);
        hub.addLfsFile(REPO, REV, MODEL, model);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubClient.Builder client() {
        return HubClient.builder().optEndpoint(hub.endpoint()).optToken(null).optCacheDir(cache).optOffline(false)
                .optMaxAttempts(3).optRetryBackoff(Duration.ZERO).optConnectTimeout(Duration.ofSeconds(5))
                .optRequestTimeout(Duration.ofSeconds(10)).optReadTimeout(Duration.ofSeconds(10));
    }

    private void assertDownloaded(Path dir) throws IOException {
        assertArrayEquals(config, Files.readAllBytes(dir.resolve("config.json")));
        assertArrayEquals(tokenizer, Files.readAllBytes(dir.resolve("tokenizer.model")));
        assertArrayEquals(model, Files.readAllBytes(dir.resolve(MODEL)));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".part")).toList(), "part files left");
        }
    }

    @Test
    void downloadsIntoCacheLayoutThenHitsCacheWithoutRequests() throws IOException {
        RecordingProgress progress = new RecordingProgress();
        HubClient c = client().build();
        Path dir = c.download(REPO, REV, FILES, progress);

        assertEquals(cache.toAbsolutePath().resolve("tinyllama/hub/TinyLlama--tiny-random/main"), dir);
        assertDownloaded(dir);
        assertEquals(1, hub.requests("GET", "/cdn/").size(), "LFS redirect followed once");
        long total = config.length + tokenizer.length + model.length;
        assertEquals(total, progress.max);
        assertEquals(total, progress.last);
        assertTrue(progress.ended);
        assertTrue(c.isCached(REPO, REV, FILES));

        int before = hub.requests().size();
        assertEquals(dir, client().build().download(REPO, REV, FILES, null));
        assertEquals(before, hub.requests().size(), "a cache hit makes no request");
        // Offline, the same files are served from the cache too.
        assertEquals(dir, client().optOffline(true).build().download(REPO, REV, FILES, null));
        assertEquals(before, hub.requests().size());
    }

    @Test
    void droppedConnectionIsResumedWithRange() throws IOException {
        hub.dropAfter = 300_000;
        hub.dropsLeft.set(1);
        Path dir = client().build().download(REPO, REV, List.of(MODEL), null);

        assertArrayEquals(model, Files.readAllBytes(dir.resolve(MODEL)));
        assertFalse(Files.exists(dir.resolve(MODEL + ".part")));
        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertEquals(2, gets.size(), gets.toString());
        assertNull(gets.get(0).range());
        assertTrue(gets.get(1).range() != null && gets.get(1).range().matches("bytes=[1-9][0-9]*-"),
                "second request resumes: " + gets.get(1).range());
        long resumedAt = Long.parseLong(gets.get(1).range().replaceAll("\\D", ""));
        assertTrue(resumedAt <= 300_000, "resumed at " + resumedAt);
        // The hub's own hop saw the Range too, as a real client's redirect would carry it.
        assertEquals(gets.get(1).range(), hub.requests("GET", "/resolve/").get(1).range());
    }

    @Test
    void stalledConnectionTimesOutAndIsResumed() throws IOException {
        hub.stallInsteadOfDrop = true;
        hub.dropAfter = 200_000;
        hub.dropsLeft.set(1);
        long t0 = System.nanoTime();
        Path dir = client().optReadTimeout(Duration.ofMillis(300)).build().download(REPO, REV, List.of(MODEL), null);
        assertTrue(System.nanoTime() - t0 < 2_500_000_000L, "did not wait for the stalled server");
        assertArrayEquals(model, Files.readAllBytes(dir.resolve(MODEL)));
        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertEquals(2, gets.size());
        assertTrue(gets.get(1).range() != null, "resumed");
    }

    @Test
    void interruptStopsADownloadWithoutRetrying() throws Exception {
        hub.stallInsteadOfDrop = true;
        hub.dropAfter = 200_000;
        hub.dropsLeft.set(1);
        HubClient c = client().build();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                c.download(REPO, REV, List.of(MODEL), null);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        Thread.sleep(500);
        t.interrupt();
        t.join(2_000);
        assertFalse(t.isAlive(), "download ignored the interrupt");
        assertTrue(failure.get() instanceof java.io.InterruptedIOException, String.valueOf(failure.get()));
        assertEquals(1, hub.requests("GET", "/cdn/").size(), "no retry after an interrupt");
        assertFalse(c.isCached(REPO, REV, List.of(MODEL)));
    }

    @Test
    void serverIgnoringRangeRestartsFromTheFirstByte() throws IOException {
        hub.ignoreRange = true;
        hub.dropAfter = 400_000;
        hub.dropsLeft.set(1);
        Path dir = client().build().download(REPO, REV, List.of(MODEL), null);

        assertArrayEquals(model, Files.readAllBytes(dir.resolve(MODEL)));
        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertEquals(2, gets.size());
        assertTrue(gets.get(1).range() != null, "asked to resume");
    }

    @Test
    void transientServerErrorsAreRetried() throws IOException {
        hub.unavailableLeft.set(2);
        Path dir = client().build().download(REPO, REV, List.of("config.json"), null);
        assertArrayEquals(config, Files.readAllBytes(dir.resolve("config.json")));
    }

    @Test
    void missingFileIsReportedAsNotFoundWithItsUrl() {
        HubClient c = client().build();
        HubException e = assertThrows(HubException.class,
                () -> c.download(REPO, REV, List.of("config.json", "nope.bin"), null));
        assertEquals(HubException.Kind.NOT_FOUND, e.kind());
        String url = hub.endpoint() + "/" + REPO + "/resolve/main/nope.bin";
        assertTrue(e.getMessage().contains(url), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(hub.requests("GET", "/").isEmpty(), "fails before downloading anything");
    }

    @Test
    void unauthorizedWithoutTokenSucceedsWithIt() throws IOException {
        hub.requiredToken = "hf_secret";
        HubException e = assertThrows(HubException.class,
                () -> client().build().download(REPO, REV, FILES, null));
        assertEquals(HubException.Kind.UNAUTHORIZED, e.kind());
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertTrue(e.getMessage().contains("401"), e.getMessage());

        Path dir = client().optToken("hf_secret").build().download(REPO, REV, FILES, null);
        assertDownloaded(dir);
        List<FakeHub.Request> resolved = hub.requests("GET", "/resolve/");
        assertEquals(3, resolved.size());
        resolved.forEach(r -> assertEquals("Bearer hf_secret", r.authorization()));
    }

    @Test
    void wrongTokenIsReportedAsLackingAccess() {
        hub.requiredToken = "hf_secret";
        HubException e = assertThrows(HubException.class,
                () -> client().optToken("hf_other").build().download(REPO, REV, FILES, null));
        assertEquals(HubException.Kind.UNAUTHORIZED, e.kind());
        assertTrue(e.getMessage().contains("rejected or lacks access"), e.getMessage());
    }

    @Test
    void tokenIsNotSentAcrossARedirectToAnotherHost() throws IOException {
        hub.requiredToken = "hf_secret";
        hub.redirectToOtherHost = true;
        Path dir = client().optToken("hf_secret").build().download(REPO, REV, List.of(MODEL), null);

        assertArrayEquals(model, Files.readAllBytes(dir.resolve(MODEL)));
        List<FakeHub.Request> cdn = hub.requests("GET", "/cdn/");
        assertEquals(1, cdn.size());
        assertTrue(cdn.get(0).host().startsWith("localhost:"), cdn.get(0).host());
        assertNull(cdn.get(0).authorization(), "token leaked to another host");
        assertEquals("Bearer hf_secret", hub.requests("GET", "/resolve/").get(0).authorization());
    }

    @Test
    void corruptedBodyFailsChecksumAndLeavesNothing() throws IOException {
        hub.corruptLfsFile(REPO, REV, MODEL);
        HubClient c = client().build();
        HubException e = assertThrows(HubException.class, () -> c.download(REPO, REV, List.of(MODEL), null));

        assertEquals(HubException.Kind.CHECKSUM_MISMATCH, e.kind());
        String m = e.getMessage();
        assertTrue(m.contains(REPO) && m.contains(MODEL), m);
        assertTrue(m.contains(FakeHub.sha256(model)), "expected hash: " + m);
        byte[] bad = hub.cdnBody(FakeHub.sha256(model));
        assertTrue(m.contains(FakeHub.sha256(bad)), "actual hash: " + m);
        Path dir = c.localDir(REPO, REV);
        assertFalse(Files.exists(dir.resolve(MODEL)));
        assertFalse(Files.exists(dir.resolve(MODEL + ".part")));
        assertFalse(c.isCached(REPO, REV, List.of(MODEL)));
        assertFalse(client().optOffline(true).build().isCached(REPO, REV, List.of(MODEL)));
    }

    @Test
    void offlineWithEmptyCacheNamesUrlsAndDirectory() {
        HubClient c = client().optOffline(true).build();
        HubException e = assertThrows(HubException.class, () -> c.download(REPO, REV, FILES, null));

        assertEquals(HubException.Kind.OFFLINE, e.kind());
        String m = e.getMessage();
        for (String f : FILES) {
            assertTrue(m.contains(hub.endpoint() + "/" + REPO + "/resolve/main/" + f), m);
        }
        assertTrue(m.contains("huggingface-cli download " + REPO), m);
        assertTrue(m.contains(c.localDir(REPO, REV).toString()), m);
        assertTrue(hub.requests().isEmpty(), "offline makes no request");
    }

    @Test
    void unreachableHostGivesUpAfterBoundedAttemptsWithInstructions() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HubClient c = client().optEndpoint("http://127.0.0.1:" + port).optMaxAttempts(2).build();
        HubException e = assertThrows(HubException.class, () -> c.download(REPO, REV, FILES, null));
        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("after 2 attempts"), e.getMessage());
        assertTrue(e.getMessage().contains(c.localDir(REPO, REV).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("huggingface-cli download " + REPO), e.getMessage());
    }

    @Test
    void leftoverPartFromAKillNeverPassesAsComplete() throws IOException {
        HubClient c = client().build();
        Path dir = c.localDir(REPO, REV);
        Files.createDirectories(dir);
        // Garbage of the full length: complete-looking, but never renamed and never recorded.
        Files.write(dir.resolve(MODEL + ".part"), FakeHub.randomBytes(model.length, 99));
        // Garbage shorter than the file: resumed, fails the checksum, then fetched from the start.
        Files.write(dir.resolve("tokenizer.model.part"), FakeHub.randomBytes(1000, 98));
        // Garbage longer than the file.
        Files.write(dir.resolve("config.json.part"), FakeHub.randomBytes(config.length * 3, 97));
        assertFalse(c.isCached(REPO, REV, FILES));
        assertFalse(client().optOffline(true).build().isCached(REPO, REV, FILES));
        assertThrows(HubException.class, () -> client().optOffline(true).build().download(REPO, REV, FILES, null));

        assertDownloaded(c.download(REPO, REV, FILES, null));
        // Files without a sha256 (git files) are never resumed: nothing could vouch for old bytes.
        hub.requests("GET", "/resolve/").stream().filter(r -> !r.path().endsWith(MODEL))
                .forEach(r -> assertNull(r.range(), r.toString()));
    }

    @Test
    void fileWithoutCompletionRecordIsFetchedAgainOnline() throws IOException {
        HubClient c = client().build();
        Path dir = c.localDir(REPO, REV);
        Files.createDirectories(dir);
        Files.write(dir.resolve("config.json"), "truncated".getBytes(StandardCharsets.UTF_8));
        assertFalse(c.isCached(REPO, REV, List.of("config.json")));
        c.download(REPO, REV, List.of("config.json"), null);
        assertArrayEquals(config, Files.readAllBytes(dir.resolve("config.json")));
        assertTrue(c.isCached(REPO, REV, List.of("config.json")));
    }

    @Test
    void fileCopiedInByHandIsKeptWhenItMatchesTheHubsSha256() throws IOException {
        HubClient c = client().build();
        Path dir = c.localDir(REPO, REV);
        Files.createDirectories(dir);
        Files.write(dir.resolve(MODEL), model);
        assertFalse(c.isCached(REPO, REV, List.of(MODEL)));
        assertTrue(client().optOffline(true).build().isCached(REPO, REV, List.of(MODEL)), "offline uses it as is");

        c.download(REPO, REV, List.of(MODEL), null);
        assertEquals(List.of(), hub.requests("GET", "/"), "only asked for the checksum");
        assertEquals(1, hub.requests("HEAD", "/resolve/").size());
        assertTrue(c.isCached(REPO, REV, List.of(MODEL)));
    }

    @Test
    void urlsAndPathsAreValidated() {
        HubClient c = client().build();
        assertEquals(hub.endpoint() + "/o/n/resolve/refs%2Fpr%2F1/sub/a%20b.json",
                c.fileUrl("o/n", "refs/pr/1", "sub/a b.json").toString());
        assertEquals(c.cacheRoot().resolve("o--n/refs--pr--1"), c.localDir("o/n", "refs/pr/1"));
        assertThrows(IllegalArgumentException.class, () -> c.fileUrl(REPO, REV, "../escape"));
        assertThrows(IllegalArgumentException.class, () -> c.fileUrl(REPO, REV, "/abs"));
        assertThrows(IllegalArgumentException.class, () -> c.fileUrl("../x", REV, "a"));
        assertThrows(IllegalArgumentException.class, () -> c.fileUrl(REPO, "..", "a"));
    }

    @Test
    void fileListsPointingOutsideTheCacheAreRefusedBeforeAnyRequest() throws IOException {
        HubClient c = client().build();
        for (String bad : List.of("../../outside.bin", "/tmp/abs.bin", "sub\\..\\x.bin", "C:x.bin", "a//b.json")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.download(REPO, REV, List.of("config.json", bad), null), bad);
            assertTrue(e.getMessage().contains("the file list of " + REPO + "@" + REV + " names \"" + bad + "\""),
                    e.getMessage());
        }
        assertEquals(List.of(), hub.requests(), "no request for any list with a bad name");
        try (Stream<Path> s = Files.walk(cache)) {
            assertEquals(List.of(cache), s.toList(), "nothing written");
        }
    }

    /** Remembers what a download reported. */
    private static final class RecordingProgress implements Progress {
        long max = -1;
        long last = -1;
        boolean ended;

        @Override
        public void reset(String message, long max, String trailingMessage) {
            this.max = max;
        }

        @Override
        public void start(long initialProgress) {
            last = initialProgress;
        }

        @Override
        public void end() {
            ended = true;
        }

        @Override
        public void increment(long increment) {
            last += increment;
        }

        @Override
        public void update(long progress, String message) {
            assertTrue(progress >= 0 && progress <= max, "progress " + progress + " of " + max);
            last = progress;
        }
    }
}
