package io.github.tinyllama.checkpoint;

import static io.github.tinyllama.checkpoint.FormatFixtures.assertMatches;
import static io.github.tinyllama.checkpoint.FormatFixtures.dir;
import static io.github.tinyllama.checkpoint.FormatFixtures.expected;
import static io.github.tinyllama.checkpoint.FormatFixtures.zip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading {@code torch.save} files: torch-made fixtures, refusals and corruption. */
class TorchFileTest {
    private static final Path PWNED = Path.of("/tmp/tinyllama-formats-pwned");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16"})
    void pytorchModelBinReadsBitExactly(String dtype) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(dir(dtype))) {
            assertEquals(Checkpoint.Format.PYTORCH, ckpt.format());
            assertMatches(expected(dtype, "expected.json"), ckpt);
        }
    }

    @Test
    void sharedStoragesViewsAndParametersRead() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(dir("tied"))) {
            assertMatches(expected("tied", "expected.json"), ckpt);
            TensorInfo emb = ckpt.info("model.embed_tokens.weight");
            TensorInfo head = ckpt.info("lm_head.weight");
            assertEquals(emb.offset(), head.offset(), "tied weights share their storage bytes");
            assertEquals(ckpt.info("head").offset() + 8 * 4, ckpt.info("tail").offset(), "storage_offset 8 floats");
        }
    }

    @Test
    void nonContiguousTensorIsRefused() {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoint.open(dir("noncontig")).close());
        assertTrue(e.getMessage().contains("\"transposed\"") && e.getMessage().contains("not contiguous"), e.getMessage());
        assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
    }

    @Test
    void shardedBinReadsThroughItsIndex() throws IOException {
        try (Checkpoint sharded = Checkpoint.open(dir("sharded")); Checkpoint f32 = Checkpoint.open(dir("f32"))) {
            assertEquals(f32.names(), sharded.names());
            assertEquals(dir("sharded").resolve("pytorch_model-00002-of-00002.bin"), sharded.info("lm_head.weight").file());
            for (String name : f32.names()) {
                assertArrayEquals(f32.readFloats(name), sharded.readFloats(name), name);
            }
        }
    }

    @Test
    void safetensorsIsPreferredOverBin() throws IOException {
        Path d = tmp.resolve("both");
        Files.createDirectories(d);
        Files.copy(dir("f32").resolve("pytorch_model.bin"), d.resolve("pytorch_model.bin"));
        SafetensorsWriter.write(d.resolve("model.safetensors"), Map.of(),
                List.of(TensorSource.of("only", DType.F32, new long[] {1}, java.nio.ByteBuffer.allocate(4))));
        try (Checkpoint ckpt = Checkpoint.open(d)) {
            assertEquals(Checkpoint.Format.SAFETENSORS, ckpt.format());
            assertEquals(List.of("only"), List.copyOf(ckpt.names()));
        }
    }

    @Test
    void nothingFoundNamesEveryFileLookedFor() {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(tmp).close());
        for (String f : List.of("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")) {
            assertTrue(e.getMessage().contains(f), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"malicious:os.system", "malicious_posix:posix.system"})
    void maliciousPickleIsRefusedByName(String spec) throws IOException {
        String[] parts = spec.split(":");
        Files.deleteIfExists(PWNED);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoint.open(dir(parts[0])).close());
        assertTrue(e.getMessage().contains("'" + parts[1] + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
        assertFalse(Files.exists(PWNED), "nothing was executed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtins\neval", "__main__\nAnything", "torch\nload", "collections\ndefaultdict",
        "torch._utils\n_rebuild_qtensor"})
    void otherGlobalsAreRefusedByName(String global) throws IOException {
        Pickle p = new Pickle().proto().op('c').raw(global + "\n").op('(').str("x").op('t').op('R').op('.');
        CheckpointFormatException e = assertOpenFails(p.bytes());
        assertTrue(e.getMessage().contains("'" + global.replace('\n', '.') + "'"), e.getMessage());
    }

    @Test
    void unknownOpcodeIsRefused() throws IOException {
        CheckpointFormatException e = assertOpenFails(new Pickle().proto().op(0xFE).bytes());
        assertTrue(e.getMessage().contains("opcode 0xfe"), e.getMessage());
    }

    @Test
    void newObjIsRefused() throws IOException {
        CheckpointFormatException e = assertOpenFails(new Pickle().proto().op('}').op(')').op(0x81).op('.').bytes());
        assertTrue(e.getMessage().contains("opcode 0x81"), e.getMessage());
    }

    @Test
    void truncatedPickleIsRefused() throws IOException {
        byte[] good = stateDict("0", 4, 0, 4, "FloatStorage");
        CheckpointFormatException e = assertOpenFails(Arrays.copyOf(good, good.length / 2), storage("0", 16));
        assertTrue(e.getMessage().contains("data.pkl"), e.getMessage());
    }

    @Test
    void hugeStringLengthIsRefusedWithoutAllocating() throws IOException {
        CheckpointFormatException e = assertOpenFails(new Pickle().proto().op('X').raw("\u00ff\u00ff\u00ff\u007f").bytes());
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }

    @Test
    void validHandMadeStateDictReads() throws IOException {
        Path f = zip(tmp.resolve("ok.bin"), entries(stateDict("0", 4, 1, 3, "FloatStorage"), storage("0", 16)), true);
        try (TorchFile t = TorchFile.open(f)) {
            TensorInfo info = t.tensors().get("w");
            assertArrayEquals(new long[] {3}, info.shape());
            assertEquals(12, info.byteLength());
        }
    }

    @Test
    void missingStorageEntryIsRefused() throws IOException {
        CheckpointFormatException e = assertOpenFails(stateDict("7", 4, 0, 4, "FloatStorage"), storage("0", 16));
        assertTrue(e.getMessage().contains("data/7") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void tensorBeyondItsStorageIsRefused() throws IOException {
        CheckpointFormatException e = assertOpenFails(stateDict("0", 4, 2, 4, "FloatStorage"), storage("0", 16));
        assertTrue(e.getMessage().contains("outside its storage"), e.getMessage());
    }

    @Test
    void storageLargerThanItsEntryIsRefused() throws IOException {
        CheckpointFormatException e = assertOpenFails(stateDict("0", 1L << 40, 0, 4, "FloatStorage"), storage("0", 16));
        assertTrue(e.getMessage().contains("has 16 bytes but its storage needs"), e.getMessage());
    }

    @Test
    void integerTensorIsRefusedNamingItsType() throws IOException {
        CheckpointFormatException e = assertOpenFails(stateDict("0", 2, 0, 2, "LongStorage"), storage("0", 16));
        assertTrue(e.getMessage().contains("int64") && e.getMessage().contains("\"w\""), e.getMessage());
    }

    @Test
    void compressedEntryIsRefused() throws IOException {
        Path f = zip(tmp.resolve("deflated.bin"), entries(stateDict("0", 4, 0, 4, "FloatStorage"), storage("0", 16)), false);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.open(f).close());
        assertTrue(e.getMessage().contains("compressed") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void truncatedArchiveIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(dir("f32").resolve("pytorch_model.bin"));
        for (int length : new int[] {0, 10, 100, whole.length / 2, whole.length - 1}) {
            Path f = tmp.resolve("cut" + length + ".bin");
            Files.write(f, Arrays.copyOf(whole, length));
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> TorchFile.open(f).close(),
                    "length " + length);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void corruptedBytesNeverThrowUnchecked() throws IOException {
        byte[] whole = Files.readAllBytes(dir("tied").resolve("pytorch_model.bin"));
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 300; round++) {
            byte[] bad = whole.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                bad[random.nextInt(700)] = (byte) random.nextInt(256); // the pickle and the first headers
            }
            Path f = tmp.resolve("fuzz.bin");
            Files.write(f, bad);
            try (TorchFile t = TorchFile.open(f)) {
                t.tensors();
            } catch (CheckpointFormatException expected) {
                assertTrue(expected.getMessage().contains(f.toString()), expected.getMessage());
            }
        }
    }

    @Test
    void notAStateDictIsRefused() throws IOException {
        CheckpointFormatException e = assertOpenFails(new Pickle().proto().op('}').str("a").op('K').op(1).op('s').op('.').bytes());
        assertTrue(e.getMessage().contains("no state dict"), e.getMessage());
    }

    private CheckpointFormatException assertOpenFails(byte[] pickle, byte[]... storages) throws IOException {
        Path f = zip(tmp.resolve("bad.bin"), entries(pickle, storages), true);
        return assertThrows(CheckpointFormatException.class, () -> TorchFile.open(f).close());
    }

    private static Map<String, byte[]> entries(byte[] pickle, byte[]... storages) {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pickle);
        for (int i = 0; i < storages.length; i++) {
            e.put("archive/data/" + i, storages[i]);
        }
        e.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return e;
    }

    private static byte[] storage(String key, int bytes) {
        return new byte[bytes];
    }

    /** {"w": tensor of storage key, storage numel, offset, shape [n]}. */
    private static byte[] stateDict(String key, long storageNumel, long offset, long n, String storageClass) {
        return new Pickle().proto().op('}').str("w")
                .op('c').raw("torch._utils\n_rebuild_tensor_v2\n").op('(')
                .op('(').str("storage").op('c').raw("torch\n" + storageClass + "\n").str(key).str("cpu")
                .integer(storageNumel).op('t').op('Q')
                .integer(offset).op('(').integer(n).op('t').op('(').integer(1).op('t').op(0x89)
                .op('c').raw("collections\nOrderedDict\n").op(')').op('R')
                .op('t').op('R').op('s').op('.').bytes();
    }

    /** Hand-written pickle opcodes. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int b) {
            out.write(b);
            return this;
        }

        Pickle proto() {
            return op(0x80).op(2);
        }

        Pickle raw(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X').op(b.length).op(0).op(0).op(0);
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            op(0x8a).op(8);
            for (int i = 0; i < 8; i++) {
                op((int) (v >>> (8 * i)) & 0xFF);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
