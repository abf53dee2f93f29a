package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;

import com.google.gson.JsonObject;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.TinyModels;
import io.github.tinyllama.weights.RandomCheckpoint;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A compute type and a device on the commands that run the model, a storage type on those that write weights;
 * the old {@code --dtype} spelling stays accepted on both. Runs on the CPU: no GPU is served here.
 */
class DeviceAndTypeOptionsTest {

    private static final String IDS = "1,450,4996,17354";

    @TempDir
    static Path dir;

    private static Path bf16;
    private static Path f32;

    @BeforeAll
    static void writeModels() throws IOException {
        bf16 = TinyModels.withTokenizer(dir.resolve("bf16"), 7);
        f32 = dir.resolve("f32");
        RandomCheckpoint.write(f32, LlamaConfig.tiny(), DType.F32, 7);
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(bf16.resolve(name), f32.resolve(name));
        }
    }

    @Test
    void autoHoldsA16BitCheckpointInFloat16AndAFloat32OneInFloat32() {
        assertEquals("float16", score(bf16).get("dtype").getAsString());
        assertEquals("float32", score(f32).get("dtype").getAsString());
        assertEquals("float32", score(bf16, "--dtype", "float32").get("dtype").getAsString());
        assertEquals("float32", score(bf16, "--compute-type", "float32").get("dtype").getAsString());
    }

    @Test
    void autoOnA16BitCheckpointScoresCloseToFloat32() {
        double[] auto = logprobs(score(bf16));
        double[] full = logprobs(score(bf16, "--dtype", "float32"));
        for (int i = 0; i < auto.length; i++) {
            // float16 weights with float32 activations: the bf16 values are held exactly, only the products
            // round differently; 1e-2 nats is far above that on a 2-layer model and far below a wrong weight.
            assertEquals(full[i], auto[i], 1e-2, "position " + i);
        }
    }

    @Test
    void theJsonOutputsNameTheDevice() {
        String expected = Engine.getInstance().getGpuCount() > 0 ? "gpu:0" : "cpu";
        assertEquals(expected, score(bf16).get("device").getAsString());
        assertEquals("cpu", score(bf16, "--device", "cpu").get("device").getAsString());
        CliRun bench = CliRun.of("bench", "--model", f32.toString(), "--prompt-tokens", "4", "--new-tokens", "2",
                "--device", "cpu", "--json");
        assertEquals(0, bench.status(), bench.err());
        assertEquals("cpu", bench.json().get("device").getAsString());
        assertEquals("float32", bench.json().get("dtype").getAsString());
    }

    @Test
    void speculationBenchNamesTheResolvedComputeTypeNotAuto() throws IOException {
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "the cat sat on the mat, the cat sat on the mat");
        CliRun bench = CliRun.of("bench", "--model", bf16.toString(), "--speculate-prompt", prompt.toString(),
                "--new-tokens", "4", "--rounds", "1", "--json");
        assertEquals(0, bench.status(), bench.err());
        assertEquals("float16", bench.json().get("dtype").getAsString());
    }

    @Test
    void aMisspeltDeviceOrTypeIsAUsageError() {
        CliRun device = CliRun.of("score", "--model", f32.toString(), "--ids", IDS, "--device", "tpu");
        assertEquals(2, device.status());
        assertTrue(device.err().contains("'tpu' is not a device: use cpu, gpu, gpu:N or auto"), device.err());
        CliRun type = CliRun.of("score", "--model", f32.toString(), "--ids", IDS, "--dtype", "bf16");
        assertEquals(2, type.status());
        assertTrue(type.err().contains("'bf16' is not a compute type"), type.err());
        CliRun storage = CliRun.of("random-checkpoint", dir.resolve("x").toString(), "--storage-type", "float16");
        assertEquals(2, storage.status());
        assertTrue(storage.err().contains("'float16' is not a storage type: use bf16, f16 or f32"), storage.err());
    }

    @Test
    void aGpuTheEngineDoesNotHaveIsAUsageError() {
        int gpus = Engine.getInstance().getGpuCount();
        CliRun r = CliRun.of("score", "--model", f32.toString(), "--ids", IDS, "--device", "gpu:" + gpus);
        assertEquals(2, r.status());
        assertTrue(r.err().lines().findFirst().orElse("").contains("--device gpu:" + gpus + ": the engine sees " + gpus
                + " GPU"), r.err());
        assertTrue(r.err().strip().lines().skip(1).allMatch(l -> l.startsWith("Try 'tinyllama score --help'")), r.err());
    }

    @Test
    void storageTypeAndItsOldSpellingWriteTheSameType() throws IOException {
        Path viaNew = dir.resolve("new-f16");
        Path viaOld = dir.resolve("old-f16");
        assertEquals(0, CliRun.of("random-checkpoint", viaNew.toString(), "--storage-type", "f16").status());
        assertEquals(0, CliRun.of("random-checkpoint", viaOld.toString(), "--dtype", "f16").status());
        for (Path out : new Path[] {viaNew, viaOld}) {
            try (Checkpoint c = Checkpoint.open(out)) {
                for (String name : c.names()) {
                    assertEquals(DType.F16, c.info(name).dtype(), name);
                }
            }
        }
    }

    private static JsonObject score(Path model, String... extra) {
        String[] args = new String[6 + extra.length];
        System.arraycopy(new String[] {"score", "--model", model.toString(), "--ids", IDS, "--json"}, 0, args, 0, 6);
        System.arraycopy(extra, 0, args, 6, extra.length);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.status(), r.err());
        return r.json();
    }

    private static double[] logprobs(JsonObject o) {
        return o.getAsJsonArray("logprobs").asList().stream().skip(1).mapToDouble(e -> e.getAsDouble()).toArray();
    }
}
