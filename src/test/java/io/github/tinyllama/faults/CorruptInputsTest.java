package io.github.tinyllama.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.zstd.ZstdOutputStream;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.LitGptFormat;
import io.github.tinyllama.checkpoint.PeftAdapter;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.data.DocumentReader;
import io.github.tinyllama.data.PackedDataset;
import io.github.tinyllama.eval.DataFiles;
import io.github.tinyllama.testing.RandomPacked;
import io.github.tinyllama.tokenizer.LlamaTokenizer;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Truncated and garbage inputs of every reader: each is refused with an {@link IOException} whose one-line
 * message names the broken file (or, where the file is missing or a folder stands in its place, the folder
 * looked in) and says what is wrong in words, never the JDK's bare "Input length = 1", "Is a directory" or
 * "Unexpected end of ZLIB input stream".
 */
class CorruptInputsTest {

    private static final Path NANO = Path.of("model-zoo", "nano");
    private static final List<String> RAW_JDK_WORDING = List.of("Input length =", "ZLIB", "Exception", "java.",
            "\tat ");

    @TempDir
    Path dir;

    /** Breaks one file of a copied fixture. */
    enum Damage {
        TRUNCATED_TO_HALF, TRUNCATED_TO_5_BYTES, EMPTY, NOT_UTF8, GARBAGE, A_FOLDER;

        void apply(Path file) throws IOException {
            byte[] bytes = Files.readAllBytes(file);
            switch (this) {
                case TRUNCATED_TO_HALF -> Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
                case TRUNCATED_TO_5_BYTES -> Files.write(file, Arrays.copyOf(bytes, 5));
                case EMPTY -> Files.write(file, new byte[0]);
                case NOT_UTF8 -> Files.write(file, new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'});
                case GARBAGE -> {
                    byte[] junk = new byte[Math.max(64, bytes.length / 4)];
                    new java.util.Random(7).nextBytes(junk);
                    Files.write(file, junk);
                }
                case A_FOLDER -> {
                    Files.delete(file);
                    Files.createDirectory(file);
                }
            }
        }
    }

    /** Opens and reads everything of the input rooted at a folder. */
    @FunctionalInterface
    interface Reading {
        void read(Path root) throws Exception;
    }

    /** Makes the input under a folder and returns the file that will be damaged. */
    @FunctionalInterface
    interface Fixture {
        Path make(Path root) throws IOException;
    }

    static Stream<Arguments> cases() {
        Fixture nano = root -> copyDir(NANO, root);
        Reading model = root -> {
            LlamaConfig.load(root);
            LlamaTokenizer.load(root).close();
            readAll(Checkpoint.open(root));
        };
        Reading tokenizer = root -> LlamaTokenizer.load(root.resolve("nano-spm.model")).close();
        Reading torch = root -> readAll(Checkpoint.open(root));
        Reading lit = root -> readAll(LitGptFormat.of(LlamaConfig.fromFile(resource("formats/lit/config.json")))
                .open(root.resolve(LitGptFormat.FILE_NAME)));
        Reading peft = root -> {
            try (PeftAdapter adapter = PeftAdapter.open(root)) {
                for (String name : adapter.names()) {
                    adapter.readFloat32(name);
                }
            }
        };
        Reading documents = root -> {
            try (Stream<Path> files = Files.list(root)) {
                for (Path f : files.toList()) {
                    new DocumentReader(null, List.of(), false, null).read(f, text -> { });
                }
            }
        };
        Reading packed = root -> {
            try (PackedDataset data = PackedDataset.builder().optDirectory(root, "train").setSeqLen(8)
                    .optShuffle(false).build()) {
                long[] block = new long[9];
                for (long b = 0; b < data.blocks(); b++) {
                    data.readBlock(b, block);
                }
            }
        };
        Reading evalTask = root -> DataFiles.read(root, "boolq", "validation");
        Fixture f32 = copy("formats/f32");
        Fixture sharded = copy("formats/sharded");
        Fixture adapter = copy("lora/peft-odd");
        return Stream.of(
                each("config.json", nano, model, Damage.TRUNCATED_TO_HALF, Damage.NOT_UTF8, Damage.A_FOLDER,
                        Damage.EMPTY),
                each("model.safetensors", nano, model, Damage.TRUNCATED_TO_HALF, Damage.TRUNCATED_TO_5_BYTES,
                        Damage.GARBAGE, Damage.A_FOLDER),
                each("tokenizer.json", nano, model, Damage.TRUNCATED_TO_HALF, Damage.NOT_UTF8),
                each("tokenizer_config.json", nano, model, Damage.TRUNCATED_TO_HALF, Damage.NOT_UTF8),
                each("nano-spm.model", nano, tokenizer, Damage.TRUNCATED_TO_HALF, Damage.GARBAGE),
                each("pytorch_model.bin", f32, torch, Damage.TRUNCATED_TO_HALF, Damage.GARBAGE,
                        Damage.TRUNCATED_TO_5_BYTES),
                each("pytorch_model.bin.index.json", sharded, torch, Damage.TRUNCATED_TO_HALF),
                each("pytorch_model-00002-of-00002.bin", sharded, torch, Damage.TRUNCATED_TO_HALF),
                each(LitGptFormat.FILE_NAME, copy("formats/lit"), lit, Damage.TRUNCATED_TO_HALF, Damage.GARBAGE),
                each("adapter_config.json", adapter, peft, Damage.TRUNCATED_TO_HALF, Damage.NOT_UTF8, Damage.A_FOLDER),
                each(PeftAdapter.WEIGHTS_FILE, adapter, peft, Damage.TRUNCATED_TO_HALF, Damage.GARBAGE),
                each("docs.jsonl.gz", CorruptInputsTest::gzipDocuments, documents, Damage.TRUNCATED_TO_HALF,
                        Damage.GARBAGE),
                each("docs.jsonl.zst", CorruptInputsTest::zstdDocuments, documents, Damage.TRUNCATED_TO_HALF,
                        Damage.GARBAGE),
                each("docs.jsonl", CorruptInputsTest::plainDocuments, documents, Damage.A_FOLDER),
                each("docs.parquet", parquetAt("docs.parquet"), documents, Damage.TRUNCATED_TO_HALF, Damage.GARBAGE),
                each("train_0000000000.bin", CorruptInputsTest::packedFile, packed, Damage.TRUNCATED_TO_HALF,
                        Damage.GARBAGE),
                each("boolq/validation.jsonl", CorruptInputsTest::evalJsonl, evalTask, Damage.NOT_UTF8, Damage.EMPTY,
                        Damage.TRUNCATED_TO_HALF),
                each("boolq/validation.parquet", parquetAt("boolq/validation.parquet"), evalTask,
                        Damage.TRUNCATED_TO_HALF))
                .flatMap(cases -> cases);
    }

    @ParameterizedTest(name = "{0} {4}")
    @MethodSource("cases")
    void aBrokenFileIsRefusedNamingIt(String label, Fixture fixture, String damaged, Reading reading, Damage damage)
            throws IOException {
        fixture.make(dir);
        Path file = dir.resolve(damaged);
        damage.apply(file);
        Exception e = assertThrows(Exception.class, () -> reading.read(dir));
        assertTrue(e instanceof IOException, "an I/O error, not " + e);
        String message = e.getMessage();
        assertEquals(1, message.lines().count(), message);
        boolean namesIt = message.contains(file.toString())
                || (damage == Damage.A_FOLDER && message.contains(file.getParent().toString()));
        assertTrue(namesIt, "names " + file + ": " + message);
        for (String raw : RAW_JDK_WORDING) {
            assertFalse(message.contains(raw), "says what is wrong in words, not '" + raw + "': " + message);
        }
    }

    /** One case per damage done to {@code damaged}, a file the fixture makes and the reading reads. */
    private static Stream<Arguments> each(String damaged, Fixture fixture, Reading reading, Damage... damages) {
        return Stream.of(damages).map(d -> Arguments.of(damaged, fixture, damaged, reading, d));
    }

    private static void readAll(Checkpoint checkpoint) throws IOException {
        try (checkpoint) {
            for (String name : checkpoint.names()) {
                checkpoint.readFloats(name);
            }
        }
    }

    private static Fixture copy(String resourceDir) {
        return root -> copyDir(resource(resourceDir), root);
    }

    /** A Parquet file (BoolQ's, as the hub publishes it) at {@code relative} under the root. */
    private static Fixture parquetAt(String relative) {
        return root -> copyFile(resource("eval-parquet/boolq/validation.parquet"), root.resolve(relative));
    }

    private static Path copyDir(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static Path copyFile(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        return Files.copy(from, to);
    }

    private static Path resource(String name) {
        try {
            return Path.of(CorruptInputsTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] documentLines() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            lines.append("{\"text\": \"document ").append(i).append(" with a few words to compress\"}\n");
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Path plainDocuments(Path root) throws IOException {
        return Files.write(root.resolve("docs.jsonl"), documentLines());
    }

    private static Path gzipDocuments(Path root) throws IOException {
        Path file = root.resolve("docs.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(documentLines());
        }
        return file;
    }

    private static Path zstdDocuments(Path root) throws IOException {
        Path file = root.resolve("docs.jsonl.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(file))) {
            out.write(documentLines());
        }
        return file;
    }

    private static Path packedFile(Path root) throws IOException {
        RandomPacked.write(root, 100, 9 * 64, 1, 3, "train");
        return root.resolve("train_0000000000.bin");
    }

    private static Path evalJsonl(Path root) throws IOException {
        Path file = root.resolve("boolq/validation.jsonl");
        Files.createDirectories(file.getParent());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            lines.append("{\"question\": \"is it ").append(i).append("?\", \"passage\": \"a passage\", \"label\": ")
                    .append(i % 2).append("}\n");
        }
        return Files.writeString(file, lines);
    }
}
