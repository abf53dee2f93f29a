package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tinyllama.checkpoint.ReferenceFloats.Format;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafetensorsWriterTest {
    /** Values that stress rounding in both 16-bit formats. */
    static final float[] STRESS = {
        0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        1f, -1f, 0.1f, -2.5e-6f, 3.1415927f,
        65504f, 65519f, 65520f, 65536f, -70000f, 1e30f, Float.MAX_VALUE,
        0x1p-14f, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f, 0x3p-26f, 0x5p-26f, 0x1.ff8p-15f, 6e-8f,
        Float.MIN_VALUE, Float.MIN_NORMAL, 0x1.fffffep-127f,
        1 + 0x1p-11f, 1 + 0x3p-11f, 1 + 0x1p-8f, 1 + 0x3p-8f, -(1 + 0x1p-8f), 1 + 0x1p-8f + 0x1p-23f,
        0x1.fep127f, 0x1.ff8p127f, 2049f, 2051f,
    };

    @TempDir
    Path dir;

    /** Bits of each value as stored in {@code type}, rounded by the test oracle (never by the code under test). */
    private static ByteBuffer encodeWithOracle(float[] values, DType type) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (type) {
                case F32 -> buf.putFloat(v);
                case F16 -> buf.putShort((short) oracle(Format.F16, v));
                case BF16 -> buf.putShort((short) oracle(Format.BF16, v));
            }
        }
        return buf.flip();
    }

    private static int oracle(Format fmt, float v) {
        return Float.isNaN(v) ? (fmt == Format.F16 ? 0x7E00 : 0x7FC0) : ReferenceFloats.round(fmt, v);
    }

    private static double oracleValue(DType type, float v) {
        return switch (type) {
            case F32 -> v;
            case F16 -> ReferenceFloats.decode(Format.F16, oracle(Format.F16, v));
            case BF16 -> ReferenceFloats.decode(Format.BF16, oracle(Format.BF16, v));
        };
    }

    @ParameterizedTest(name = "stored as {0}")
    @EnumSource(DType.class)
    void roundTripIsBitExactAgainstOracle(DType stored) throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("format", "pt"),
                List.of(TensorSource.of("stress", stored, new long[] {STRESS.length}, encodeWithOracle(STRESS, stored))));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(stored, ckpt.info("stress").dtype());
            float[] back = ckpt.readFloats("stress");
            ByteBuffer asF16 = ckpt.read("stress", DType.F16);
            ByteBuffer asBf16 = ckpt.read("stress", DType.BF16);
            for (int i = 0; i < STRESS.length; i++) {
                String at = "value " + STRESS[i] + " stored as " + stored;
                double want = oracleValue(stored, STRESS[i]);
                if (Double.isNaN(want)) {
                    assertTrue(Float.isNaN(back[i]), at);
                    assertTrue(Float.isNaN(HalfFloats.f16ToFloat(asF16.getShort(2 * i))), at);
                    assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(asBf16.getShort(2 * i))), at);
                    continue;
                }
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(back[i]), at);
                assertEquals(ReferenceFloats.round(Format.F16, (float) want), asF16.getShort(2 * i) & 0xFFFF,
                        at + ", read as F16");
                assertEquals(ReferenceFloats.round(Format.BF16, (float) want), asBf16.getShort(2 * i) & 0xFFFF,
                        at + ", read as BF16");
            }
        }
    }

    @Test
    void layoutIsTheStandardOne() throws IOException {
        Path file = dir.resolve("x.safetensors");
        ByteBuffer a = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6});
        ByteBuffer b = ByteBuffer.wrap(new byte[] {9, 8, 7, 6, 5, 4, 3, 2});
        SafetensorsWriter.write(file, Map.of("k\"ey", "välue"), List.of(
                TensorSource.of("a.weight", DType.BF16, new long[] {3}, a),
                TensorSource.of("b", DType.F32, new long[] {1, 2}, b)));
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + headerLength) % 8, "data starts 8-aligned");
        assertEquals(8 + headerLength + 14, bytes.length, "data follows with no gap or tail");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        assertEquals(header.strip(), header.stripLeading(), "padding is trailing spaces only");
        JsonObject json = JsonParser.parseString(header).getAsJsonObject();
        assertEquals("välue", json.getAsJsonObject("__metadata__").get("k\"ey").getAsString());
        assertEquals(JsonParser.parseString("{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}"),
                json.get("a.weight"));
        assertEquals(JsonParser.parseString("{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[6,14]}"),
                json.get("b"));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 9, 8, 7, 6, 5, 4, 3, 2},
                java.util.Arrays.copyOfRange(bytes, bytes.length - 14, bytes.length));
    }

    @Test
    void emptyMetadataIsOmitted() throws IOException {
        Path file = dir.resolve("x.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of());
        String header = new String(Files.readAllBytes(file), 8, (int) Files.size(file) - 8, StandardCharsets.UTF_8);
        assertEquals("{}", header.strip());
    }

    @Test
    void sourcesAreAskedForDataOneAtATimeInOrder() throws IOException {
        List<String> calls = new ArrayList<>();
        List<TensorSource> sources = new ArrayList<>();
        for (String name : List.of("z", "a", "m")) {
            sources.add(new TensorSource(name, DType.F16, new long[] {2}, () -> {
                calls.add(name);
                return ByteBuffer.allocate(4);
            }));
        }
        SafetensorsWriter.write(dir.resolve("x.safetensors"), Map.of(), sources);
        assertEquals(List.of("z", "a", "m"), calls);
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("x.safetensors"))) {
            assertEquals(List.of("z", "a", "m"), List.copyOf(st.tensors().keySet()));
        }
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void failingSourceLeavesNoTargetAndNoTempFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        UncheckedIOException boom = new UncheckedIOException(new IOException("disk on fire"));
        List<TensorSource> sources = List.of(
                TensorSource.of("first", DType.F32, new long[] {1024}, ByteBuffer.allocate(4096)),
                new TensorSource("second", DType.F32, new long[] {4}, () -> {
                    throw boom;
                }));
        UncheckedIOException thrown = assertThrows(UncheckedIOException.class,
                () -> SafetensorsWriter.write(file, Map.of(), sources));
        assertSame(boom, thrown);
        assertEquals(List.of(), listDir());
    }

    @Test
    void failedRewriteKeepsThePreviousFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, Map.of("v", "1"), List.of());
        byte[] before = Files.readAllBytes(file);
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(file, Map.of("v", "2"), List.of(
                new TensorSource("w", DType.F32, new long[] {1}, () -> {
                    throw new IllegalStateException("no data");
                }))));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir());
    }

    @Test
    void wrongByteCountIsRejectedAndLeavesNothing() throws IOException {
        Path file = dir.resolve("model.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file,
                Map.of(), List.of(TensorSource.of("w", DType.BF16, new long[] {2, 3}, ByteBuffer.allocate(10)))));
        assertTrue(e.getMessage().contains("\"w\"") && e.getMessage().contains("expected 12"), e.getMessage());
        assertEquals(List.of(), listDir());
    }

    @Test
    void duplicateNamesAreRejectedBeforeWriting() {
        List<TensorSource> twice = List.of(TensorSource.of("w", DType.F32, new long[] {0}, ByteBuffer.allocate(0)),
                TensorSource.of("w", DType.F32, new long[] {0}, ByteBuffer.allocate(0)));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(dir.resolve("x.safetensors"), Map.of(), twice));
        assertFalse(Files.exists(dir.resolve("x.safetensors")));
    }

    @Test
    void invalidSourcesAreRejected() {
        ByteBuffer none = ByteBuffer.allocate(0);
        assertThrows(IllegalArgumentException.class, () -> TensorSource.of("w", DType.F32, new long[] {-1}, none));
        assertThrows(IllegalArgumentException.class, () -> TensorSource.of("__metadata__", DType.F32, new long[0], none));
        assertThrows(ArithmeticException.class,
                () -> TensorSource.of("w", DType.F32, new long[] {1L << 32, 1L << 31}, none));
    }
}
