package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

class PackedWriterTest {

    /** The documents of make_packed_expected.py. */
    static final long[][] LIT_GPT_DOCS = {{5, 6, 7}, {300, 65535, 2}, {256, 511, 1000, 4660, 2, 9},
        {10, 11, 12, 13, 14, 15, 16, 17, 18}, {19, 2}};

    @TempDir
    Path dir;

    static byte[] resource(String name) throws IOException {
        try (InputStream in = PackedWriterTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void matchesLitGptBytes() throws IOException {
        PackedWriter w = new PackedWriter(dir, "lit_gpt_expected", 10, 1);
        for (long[] d : LIT_GPT_DOCS) {
            w.add(d);
        }
        w.close();
        assertEquals(3, w.discardedTokens(), "23 tokens: two chunks of 10, 3 discarded");
        assertEquals(20, w.tokensWritten());
        assertEquals(List.of(dir.resolve("lit_gpt_expected_0000000000.bin"), dir.resolve("lit_gpt_expected_0000000001.bin")),
                w.files());
        for (Path f : w.files()) {
            assertArrayEquals(resource(f.getFileName().toString()), Files.readAllBytes(f), f.toString());
        }
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(2, list.count(), "no temporary files left behind");
        }
    }

    @Test
    void roundTripAndLayout() throws IOException {
        int chunk = 7;
        PackedWriter w = new PackedWriter(dir.resolve("sub"), "train_x", chunk, 1);
        long[] tokens = new long[30];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i * 2000L;
        }
        w.add(tokens, 0, 10);
        w.add(tokens, 10, 30);
        w.close();
        assertEquals(4, w.files().size());
        assertEquals(2, w.discardedTokens());
        for (int n = 0; n < 4; n++) {
            Path f = dir.resolve("sub").resolve(String.format("train_x_%010d.bin", n));
            byte[] bytes = Files.readAllBytes(f);
            assertEquals(PackedFormat.HEADER_SIZE + 2 * chunk, bytes.length);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(chunk, PackedFormat.readHeader(b, f.toString(), bytes.length));
            assertEquals(8, bytes[15]);
            for (int i = 0; i < chunk; i++) {
                assertEquals(tokens[n * chunk + i], b.getShort(PackedFormat.HEADER_SIZE + 2 * i) & 0xffff);
            }
        }
        // The file size of a full lit-gpt chunk, as in the notes.
        assertEquals(4_196_376L, PackedFormat.HEADER_SIZE + 2L * PackedFormat.DEFAULT_CHUNK_TOKENS);
    }

    @Test
    void smallCorpusWritesNothing() throws IOException {
        try (PackedWriter w = new PackedWriter(dir, "p", 100, 1)) {
            w.add(new long[] {3, 4, 5});
            assertEquals(3, w.pendingTokens());
        }
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(0, list.count());
        }
    }

    @Test
    void refusesWhatDoesNotFitUint16() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> PackedWriter.checkVocabSize(65537));
        PackedWriter.checkVocabSize(65536);
        PackedWriter.checkVocabSize(32000);
        try (PackedWriter w = new PackedWriter(dir, "p", 4, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.add(new long[] {1, 65536}));
            assertTrue(e.getMessage().contains("65536"), e.getMessage());
            assertEquals(0, w.pendingTokens(), "nothing of a refused array is added");
            assertThrows(IllegalArgumentException.class, () -> w.add(new long[] {-1}));
        }
        assertThrows(IllegalArgumentException.class, () -> new PackedWriter(dir, "a/b", 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new PackedWriter(dir, "p", 0, 1));
    }

    @Test
    void readerRejectsOtherFiles() {
        ByteBuffer h = PackedFormat.header(10);
        IOException e = assertThrows(IOException.class, () -> PackedFormat.readHeader(h, "f.bin", 100));
        assertTrue(e.getMessage().contains("does not match the file size"), e.getMessage());
        ByteBuffer bad = ByteBuffer.allocate(24);
        assertThrows(IOException.class, () -> PackedFormat.readHeader(bad, "f.bin", 44));
        ByteBuffer int32 = PackedFormat.header(10);
        int32.put(15, (byte) 4);
        e = assertThrows(IOException.class, () -> PackedFormat.readHeader(int32, "f.bin", 44));
        assertTrue(e.getMessage().contains("dtype code 4"), e.getMessage());
    }
}
