package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    /** An F32 tensor of {@code n} elements whose values encode the tensor's index and position. */
    private static TensorSource f32(String name, int tensorIndex, int n) {
        ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putFloat(tensorIndex * 1000 + i);
        }
        return TensorSource.of(name, DType.F32, new long[] {n}, buf.flip());
    }

    private static float[] expectedValues(int tensorIndex, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = tensorIndex * 1000 + i;
        }
        return out;
    }

    /** Five tensors of 40, 40, 80, 8 and 200 bytes. */
    private static List<TensorSource> fiveTensors() {
        int[] sizes = {10, 10, 20, 2, 50};
        List<TensorSource> list = new ArrayList<>();
        for (int t = 0; t < sizes.length; t++) {
            list.add(f32("t" + t, t, sizes[t]));
        }
        return list;
    }

    private void assertFailsNaming(Path dir, String... fragments) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoint.open(dir).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "mentions \"" + f + "\": " + e.getMessage());
        }
    }

    @Test
    void shardedCheckpointReadsBackThroughItsIndex() throws IOException {
        List<Path> shards = SafetensorsWriter.writeSharded(dir, Map.of("format", "pt"), fiveTensors(), 100);
        // Greedy packing: [t0 t1] 80 B, [t2 t3] 88 B, [t4] 200 B (over the limit alone).
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), shards.stream().map(p -> p.getFileName().toString()).toList());
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(List.of("t0", "t1", "t2", "t3", "t4"), List.copyOf(ckpt.names()));
            assertEquals(shards.get(1), ckpt.info("t3").file());
            assertEquals(shards.get(2), ckpt.info("t4").file());
            int[] sizes = {10, 10, 20, 2, 50};
            for (int t = 0; t < sizes.length; t++) {
                assertArrayEquals(expectedValues(t, sizes[t]), ckpt.readFloats("t" + t));
            }
            assertEquals(368, ckpt.totalBytes());
            assertEquals("368", ckpt.metadata().get("total_size"));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(4, files.count(), "three shards and the index, no temp files");
        }
    }

    @Test
    void singleFileWinsOverAnIndex() throws IOException {
        SafetensorsWriter.writeSharded(dir, Map.of(), fiveTensors(), 100);
        SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), Map.of("which", "single"),
                List.of(f32("only", 7, 3)));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(List.of("only"), List.copyOf(ckpt.names()));
            assertEquals("single", ckpt.metadata().get("which"));
        }
    }

    @Test
    void readReturnsAFreshDirectBufferEachTime() throws IOException {
        SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), Map.of(), List.of(f32("w", 1, 4)));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            ByteBuffer first = ckpt.read("w", DType.F32);
            ByteBuffer second = ckpt.read("w", DType.F32);
            assertNotSame(first, second);
            assertTrue(first.isDirect() && !first.isReadOnly());
            first.putFloat(0, -1f);
            assertEquals(1000f, second.getFloat(0));
            assertThrows(IllegalArgumentException.class, () -> ckpt.info("missing"));
            assertThrows(IllegalArgumentException.class, () -> ckpt.read("missing", DType.F32));
        }
    }

    @Test
    void emptyDirectoryNamesItAndBothFiles() {
        assertFailsNaming(dir, dir.toString(), Checkpoint.SINGLE_FILE, Checkpoint.INDEX_FILE);
    }

    @Test
    void missingShardFile() throws IOException {
        List<Path> shards = SafetensorsWriter.writeSharded(dir, Map.of(), fiveTensors(), 100);
        Files.delete(shards.get(1));
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "model-00002-of-00003.safetensors", "missing");
    }

    private void writeIndex(String weightMapJson) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE),
                "{\"metadata\":{\"total_size\":1},\"weight_map\":" + weightMapJson + "}");
    }

    @Test
    void tensorListedButAbsentFromItsShard() throws IOException {
        SafetensorsWriter.write(dir.resolve("a.safetensors"), Map.of(), List.of(f32("x", 0, 1)));
        writeIndex("{\"x\":\"a.safetensors\",\"y\":\"a.safetensors\"}");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "tensor \"y\"", "a.safetensors", "does not contain");
    }

    @Test
    void tensorInTwoShards() throws IOException {
        SafetensorsWriter.write(dir.resolve("a.safetensors"), Map.of(), List.of(f32("x", 0, 1), f32("w", 0, 1)));
        SafetensorsWriter.write(dir.resolve("b.safetensors"), Map.of(), List.of(f32("w", 1, 1)));
        writeIndex("{\"x\":\"a.safetensors\",\"w\":\"b.safetensors\"}");
        assertFailsNaming(dir, "tensor \"w\"", "a.safetensors", "b.safetensors", "both");
    }

    @Test
    void shardOutsideTheDirectory() throws IOException {
        writeIndex("{\"x\":\"../elsewhere.safetensors\"}");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "tensor \"x\"", "../elsewhere.safetensors");
    }

    @Test
    void shardNamedByAbsolutePathOrBackslash() throws IOException {
        writeIndex("{\"x\":\"/tmp/elsewhere.safetensors\"}");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "tensor \"x\"", "/tmp/elsewhere.safetensors", "absolute");
        writeIndex("{\"x\":\"..\\\\elsewhere.safetensors\"}");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "tensor \"x\"", "backslash");
    }

    @Test
    void indexNotJson() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "not valid JSON");
    }

    @Test
    void indexWithoutWeightMap() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{}}");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "weight_map");
    }

    @Test
    void indexEntryNotAString() throws IOException {
        writeIndex("{\"x\":3}");
        assertFailsNaming(dir, Checkpoint.INDEX_FILE, "tensor \"x\"", "not a file name");
    }

    @Test
    void corruptShardIsReportedByName() throws IOException {
        Files.write(dir.resolve("a.safetensors"), new byte[] {1, 2, 3});
        writeIndex("{\"x\":\"a.safetensors\"}");
        assertFailsNaming(dir, "a.safetensors", "shorter than the 8-byte");
    }

    @Test
    void failedShardedWriteLeavesNoFiles() throws IOException {
        List<TensorSource> tensors = new ArrayList<>(fiveTensors());
        tensors.set(4, new TensorSource("t4", DType.F32, new long[] {50}, () -> {
            throw new IllegalStateException("producer failed");
        }));
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.writeSharded(dir, Map.of(), tensors, 100));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }
}
