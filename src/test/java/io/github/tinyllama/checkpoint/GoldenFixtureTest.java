package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks against files and values produced by an independent numpy implementation
 * ({@code golden/}: safetensors written by numpy code, {@code expected.json} holding the binary32
 * bits numpy decoded and the F16/BF16 bits numpy rounded to).
 */
class GoldenFixtureTest {
    private static Path golden;
    private static JsonObject expected;

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        golden = Path.of(GoldenFixtureTest.class.getResource("golden/expected.json").toURI()).getParent();
        expected = JsonParser.parseString(Files.readString(golden.resolve("expected.json"))).getAsJsonObject();
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) a.get(i).getAsLong();
        }
        return out;
    }

    private static int[] bitsOf(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    @Test
    void singleFileTensorsDecodeToNumpyValues() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(golden.resolve("single"))) {
            JsonObject tensors = expected.getAsJsonObject("tensors");
            assertEquals(List.copyOf(tensors.keySet()), List.copyOf(ckpt.names()), "header order is kept");
            for (String name : tensors.keySet()) {
                JsonObject t = tensors.getAsJsonObject(name);
                TensorInfo info = ckpt.info(name);
                assertEquals(DType.fromSafetensors(t.get("dtype").getAsString()), info.dtype(), name);
                long[] shape = t.getAsJsonArray("shape").asList().stream().mapToLong(e -> e.getAsLong()).toArray();
                assertArrayEquals(shape, info.shape(), name);
                assertArrayEquals(ints(t.getAsJsonArray("f32_bits")), bitsOf(ckpt.readFloats(name)), name);
            }
            assertEquals(Map.of("format", "pt", "note", "numpy golden"), ckpt.metadata());
        }
    }

    @Test
    void scalarNarrowingMatchesNumpy() {
        int[] input = ints(expected.getAsJsonArray("input_f32_bits"));
        int[] f16 = ints(expected.getAsJsonArray("numpy_f16_bits"));
        int[] bf16 = ints(expected.getAsJsonArray("numpy_bf16_bits"));
        for (int i = 0; i < input.length; i++) {
            String at = "input 0x" + Integer.toHexString(input[i]);
            assertEquals(f16[i], HalfFloats.f32BitsToF16(input[i]) & 0xFFFF, at);
            assertEquals(bf16[i], HalfFloats.f32BitsToBf16(input[i]) & 0xFFFF, at);
        }
    }

    @Test
    void bulkNarrowingOfTheStoredF32TensorMatchesNumpy() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(golden.resolve("single"))) {
            assertArrayEquals(ints(expected.getAsJsonArray("numpy_f16_bits")),
                    shortsOf(ckpt.read("stress.f32", DType.F16)));
            assertArrayEquals(ints(expected.getAsJsonArray("numpy_bf16_bits")),
                    shortsOf(ckpt.read("stress.f32", DType.BF16)));
            // The file's own 16-bit tensors hold numpy's roundings; reading them back must be lossless.
            assertArrayEquals(ints(expected.getAsJsonArray("numpy_f16_bits")),
                    shortsOf(ckpt.read("stress.f16", DType.F16)));
            assertArrayEquals(ints(expected.getAsJsonArray("numpy_bf16_bits")),
                    shortsOf(ckpt.read("stress.bf16", DType.BF16)));
        }
    }

    private static int[] shortsOf(ByteBuffer buf) {
        assertEquals(ByteOrder.nativeOrder(), buf.order());
        int[] out = new int[buf.remaining() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.getShort(2 * i) & 0xFFFF;
        }
        return out;
    }

    @Test
    void shardedFixtureReadsThroughItsIndex() throws IOException {
        Path dir = golden.resolve("sharded");
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(List.of("matrix.bf16", "scalar.f32", "stress.f16"), List.copyOf(ckpt.names()));
            assertEquals(dir.resolve("model-00002-of-00002.safetensors"), ckpt.info("stress.f16").file());
            JsonObject tensors = expected.getAsJsonObject("tensors");
            for (String name : ckpt.names()) {
                assertArrayEquals(ints(tensors.getAsJsonObject(name).getAsJsonArray("f32_bits")),
                        bitsOf(ckpt.readFloats(name)), name);
            }
            assertEquals(String.valueOf(ckpt.totalBytes()), ckpt.metadata().get("total_size"));
        }
    }
}
