package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.repository.RemoteRepository;
import ai.djl.repository.Repository;
import ai.djl.training.dataset.Dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * WikiText-2 and Penn Treebank through DJL basicdataset from a repository this test writes, laid out as DJL's
 * ({@code dataset/nlp/ai/djl/basicdataset/<artifact>/metadata.json}, files checked against their SHA-1), into a
 * cache of the test's own: no network. The surefire JVM runs with {@code ai.djl.offline=true}.
 */
class LanguageModelingSetsTest {

    private static final String BASE = "dataset/nlp/ai/djl/basicdataset/";
    private static final String WIKI_TEST = " = Robert Boulter = \n \n Robert Boulter is an English film and <unk> actor .\n";
    private static final String WIKI_VALID = " = Homarus gammarus = \n";
    private static final String PTB_TEST = " no it was n't black monday \n but while the new york stock exchange did n't fall\n";

    @TempDir
    Path tmp;

    /** A DJL remote repository over a local folder, caching into the test's own folder. */
    private static Repository repository(Path root, Path cache) {
        return new RemoteRepository("test", root.toUri()) {
            @Override
            public Path getCacheDirectory() {
                return cache;
            }
        };
    }

    @Test
    void wikiText2ComesThroughTheRepositoryIntoTheCache() throws IOException {
        Path root = tmp.resolve("repo");
        Path artifact = Files.createDirectories(root.resolve(BASE + "wikitext-2/1.0"));
        byte[] zip = zip(Map.of("wikitext-2/wiki.test.tokens", WIKI_TEST, "wikitext-2/wiki.valid.tokens", WIKI_VALID,
                "wikitext-2/wiki.train.tokens", "x\n"));
        Files.write(artifact.resolve("wikitext-2-v1.zip"), zip);
        writeMetadata(root, "wikitext-2", "\"wikitext-2\": {\"uri\": \"1.0/wikitext-2-v1.zip\", \"sha1Hash\": \""
                + sha1(zip) + "\", \"name\": \"\", \"size\": " + zip.length + "}");
        Path cache = tmp.resolve("cache");

        assertEquals(WIKI_TEST, LanguageModelingSets.WIKITEXT2.text(Dataset.Usage.TEST, repository(root, cache), null));
        assertEquals(WIKI_VALID,
                LanguageModelingSets.WIKITEXT2.text(Dataset.Usage.VALIDATION, repository(root, cache), null));
        // Once cached, the repository is no longer needed.
        deleteTree(root);
        assertEquals(WIKI_TEST, LanguageModelingSets.WIKITEXT2.text(Dataset.Usage.TEST, repository(root, cache), null));
    }

    @Test
    void pennTreebankIsServedAsTheFilesText() throws IOException {
        Path root = tmp.resolve("repo");
        Path artifact = Files.createDirectories(root.resolve(BASE + "penntreebank-unlabeled-processed/1.0"));
        StringBuilder files = new StringBuilder();
        for (String split : new String[] {"train", "valid", "test"}) {
            byte[] bytes = (split.equals("test") ? PTB_TEST : " the " + split + " split \n")
                    .getBytes(StandardCharsets.UTF_8);
            Files.write(artifact.resolve("ptb." + split + ".txt"), bytes);
            files.append(files.length() == 0 ? "" : ", ").append('"').append(split).append("\": {\"uri\": \"1.0/ptb.")
                    .append(split).append(".txt\", \"sha1Hash\": \"").append(sha1(bytes)).append("\", \"size\": ")
                    .append(bytes.length).append('}');
        }
        writeMetadata(root, "penntreebank-unlabeled-processed", files.toString());

        Repository repository = repository(root, tmp.resolve("cache"));
        assertEquals(PTB_TEST, LanguageModelingSets.PTB.text(Dataset.Usage.TEST, repository, null));
        assertEquals(" the valid split \n", LanguageModelingSets.PTB.text(Dataset.Usage.VALIDATION, repository, null));
    }

    @Test
    void aCorruptDownloadIsRefused() throws IOException {
        Path root = tmp.resolve("repo");
        Path artifact = Files.createDirectories(root.resolve(BASE + "penntreebank-unlabeled-processed/1.0"));
        Files.writeString(artifact.resolve("ptb.test.txt"), PTB_TEST);
        writeMetadata(root, "penntreebank-unlabeled-processed",
                "\"test\": {\"uri\": \"1.0/ptb.test.txt\", \"sha1Hash\": \"" + "0".repeat(40) + "\", \"size\": 1}");
        IOException e = assertThrows(IOException.class,
                () -> LanguageModelingSets.PTB.text(Dataset.Usage.TEST, repository(root, tmp.resolve("c")), null));
        assertTrue(e.getMessage().contains("Checksum error"), e.getMessage());
    }

    /** Offline with nothing cached: one line naming the files and the folders; putting them there works. */
    @Test
    void offlineTheErrorSaysWhichFilesToPutWhere() throws IOException {
        Path cache = tmp.resolve("cache");
        Repository unreachable = repository(tmp.resolve("nowhere"), cache);
        IOException e = assertThrows(IOException.class,
                () -> LanguageModelingSets.WIKITEXT2.text(Dataset.Usage.TEST, unreachable, null));
        String message = e.getMessage();
        assertTrue(!message.contains("\n"), message);
        Path metadataDir = cache.resolve(BASE + "wikitext-2");
        Path filesDir = metadataDir.resolve("1.0/wikitext-2");
        assertTrue(message.startsWith("cannot get WikiText-2 (test) from DJL's dataset repository"), message);
        assertTrue(message.contains("put metadata.json (from "
                + tmp.resolve("nowhere").toUri().resolve(BASE + "wikitext-2/metadata.json") + ") in " + metadataDir),
                message);
        assertTrue(message.contains("wikitext-2/wiki.test.tokens (from wikitext-2-v1.zip) in " + filesDir), message);

        // Follow the message: metadata.json as DJL publishes it, and the split's file.
        Files.createDirectories(metadataDir);
        writeMetadataTo(metadataDir, "wikitext-2", "\"wikitext-2\": {\"uri\": \"https://mlrepo.djl.ai/" + BASE
                + "wikitext-2/1.0/wikitext-2-v1.zip\", \"name\": \"\"}");
        Files.createDirectories(filesDir.resolve("wikitext-2"));
        Files.writeString(filesDir.resolve("wikitext-2/wiki.test.tokens"), WIKI_TEST);
        assertEquals(WIKI_TEST, LanguageModelingSets.WIKITEXT2.text(Dataset.Usage.TEST, unreachable, null));
    }

    @Test
    void namesAreTheCommandLines() {
        assertEquals(LanguageModelingSets.WIKITEXT2, LanguageModelingSets.byId("wikitext2"));
        assertEquals(LanguageModelingSets.PTB, LanguageModelingSets.byId("PTB"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LanguageModelingSets.byId("wikitext103"));
        assertTrue(e.getMessage().contains("wikitext2 or ptb"), e.getMessage());
    }

    private static void writeMetadata(Path root, String artifactId, String files) throws IOException {
        writeMetadataTo(Files.createDirectories(root.resolve(BASE + artifactId)), artifactId, files);
    }

    private static void writeMetadataTo(Path dir, String artifactId, String files) throws IOException {
        Files.writeString(dir.resolve("metadata.json"), "{\"metadataVersion\": \"0.2\", \"resourceType\": \"dataset\","
                + " \"application\": \"nlp\", \"groupId\": \"ai.djl.basicdataset\", \"artifactId\": \"" + artifactId
                + "\", \"name\": \"" + artifactId + "\", \"artifacts\": [{\"version\": \"1.0\", \"snapshot\": false,"
                + " \"name\": \"" + artifactId + "\", \"files\": {" + files + "}}]}");
    }

    private static byte[] zip(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
