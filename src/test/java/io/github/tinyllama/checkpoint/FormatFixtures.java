package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** The torch-made fixtures under {@code src/test/resources/formats/} and helpers around them. */
final class FormatFixtures {
    private FormatFixtures() {
    }

    /** @return the fixture directory {@code formats/<name>} */
    static Path dir(String name) {
        try {
            return Path.of(FormatFixtures.class.getResource("/formats/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the expected values torch wrote: name to {dtype, shape, bits[, f32bits]} */
    static JsonObject expected(String dir, String file) throws IOException {
        return JsonParser.parseString(Files.readString(dir(dir).resolve(file))).getAsJsonObject();
    }

    /** Checks a checkpoint's tensors against torch's values: stored bits exactly, and the F32 reading exactly. */
    static void assertMatches(JsonObject expected, Checkpoint ckpt) throws IOException {
        assertEquals(expected.keySet(), ckpt.names(), "tensor names");
        for (Map.Entry<String, JsonElement> e : expected.entrySet()) {
            JsonObject t = e.getValue().getAsJsonObject();
            String name = e.getKey();
            DType dtype = DType.fromSafetensors(t.get("dtype").getAsString());
            TensorInfo info = ckpt.info(name);
            assertEquals(dtype, info.dtype(), name);
            long[] shape = new long[t.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
            }
            assertArrayEquals(shape, info.shape(), name);
            assertArrayEquals(ints(t, "bits"), storedBits(ckpt, name, dtype), name + " stored bits");
            int[] f32 = t.has("f32bits") ? ints(t, "f32bits") : ints(t, "bits");
            float[] floats = ckpt.readFloats(name);
            int[] floatBits = new int[floats.length];
            for (int i = 0; i < floats.length; i++) {
                floatBits[i] = Float.floatToRawIntBits(floats[i]);
            }
            assertArrayEquals(f32, floatBits, name + " as F32");
        }
    }

    static int[] ints(JsonObject t, String key) {
        var a = t.getAsJsonArray(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) a.get(i).getAsLong();
        }
        return out;
    }

    /** @return the tensor's elements as unsigned bit patterns, read in its stored type */
    static int[] storedBits(Checkpoint ckpt, String name, DType dtype) throws IOException {
        ByteBuffer b = ckpt.read(name, dtype).order(ByteOrder.nativeOrder());
        int[] out = new int[(int) ckpt.info(name).numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype == DType.F32 ? b.getInt(4 * i) : b.getShort(2 * i) & 0xFFFF;
        }
        return out;
    }

    /** Writes a zip whose entries are given in order; {@code stored} picks STORED or DEFLATED. */
    static Path zip(Path file, Map<String, byte[]> entries, boolean stored) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                if (stored) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(e.getValue().length);
                    entry.setCompressedSize(e.getValue().length);
                    entry.setCrc(crc.getValue());
                } else {
                    entry.setMethod(ZipEntry.DEFLATED);
                }
                z.putNextEntry(entry);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }
}
