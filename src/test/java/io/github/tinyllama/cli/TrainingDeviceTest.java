package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;

import io.github.tinyllama.testing.ChatData;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.train.FinetuneSettings;
import io.github.tinyllama.train.Finetuner;
import io.github.tinyllama.util.RunManifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --device} on the training commands: the run trains where it is told, says so in its manifest and in
 * {@code bench-train}'s output, and a GPU the engine does not have is a usage error before any work. Runs on
 * the CPU (no GPU is served here); {@code auto} is checked against what the engine reports.
 */
class TrainingDeviceTest {

    @TempDir
    Path dir;

    /** What {@code auto} must resolve to on this machine. */
    private static String autoDevice() {
        return Engine.getInstance().getGpuCount() > 0 ? "gpu:0" : "cpu";
    }

    /** A GPU number one past the last the engine has. */
    private static String missingGpu() {
        return "gpu:" + Engine.getInstance().getGpuCount();
    }

    @Test
    void pretrainRecordsTheDeviceItTrainedOn() throws IOException {
        TinyRun tiny = TinyRun.in(dir);
        Path onCpu = dir.resolve("cpu");
        CliRun cpu = CliRun.of(tiny.args(onCpu, 1, "--device", "cpu"));
        assertEquals(0, cpu.status(), cpu.err());
        assertEquals("cpu", manifest(onCpu).settings().get("device"));
        assertTrue(cpu.err().contains("parameters, cpu, step 0 of 1"), cpu.err());

        Path onAuto = dir.resolve("auto");
        CliRun auto = CliRun.of(tiny.args(onAuto, 1));
        assertEquals(0, auto.status(), auto.err());
        assertEquals(autoDevice(), manifest(onAuto).settings().get("device"));
    }

    @Test
    void finetuneRecordsTheDeviceItTrainedOn() throws IOException {
        Path out = dir.resolve("out");
        CliRun run = CliRun.of("finetune", "--model", "model-zoo/nano", "--data", ChatData.first(4, dir).toString(),
                "--out", out.toString(), "--template", "zephyr", "--lora", "--micro-batch-size", "4",
                "--global-batch-size", "4", "--device", "cpu");
        assertEquals(0, run.status(), run.err());
        assertEquals("cpu", manifest(out).settings().get("device"));
        assertTrue(run.err().contains("LoRA on cpu"), run.err());
    }

    @Test
    void benchTrainReportsTheDevice() throws IOException {
        TinyRun tiny = TinyRun.in(dir);
        for (String device : List.of("cpu", "auto")) {
            CliRun r = CliRun.of("bench-train", "--config", tiny.config.toString(), "--seq-len", "8",
                    "--micro-batch-size", "1", "--steps", "1", "--device", device, "--json");
            assertEquals(0, r.status(), r.err());
            assertEquals(device.equals("cpu") ? "cpu" : autoDevice(), r.json().get("device").getAsString(), device);
        }
    }

    @Test
    void theFinetunerKeepsEveryWeightOnItsDevice() throws IOException {
        try (Finetuner ft = Finetuner.builder(Path.of("model-zoo/nano"), ChatData.first(4, dir))
                .optSettings(FinetuneSettings.defaults(2e-5).withMaxSeqLen(128)).setOutDir(dir.resolve("ft"))
                .optDevice(Device.cpu()).build()) {
            assertEquals(Device.cpu(), ft.device());
            ft.network().parametersByName().forEach((name, p) ->
                    assertEquals(Device.cpu(), p.getArray().getDevice(), name));
        }
    }

    @Test
    void aGpuTheEngineDoesNotHaveIsAUsageErrorBeforeAnyWork() throws IOException {
        TinyRun tiny = TinyRun.in(dir);
        Path pretrainOut = dir.resolve("pretrain");
        Path finetuneOut = dir.resolve("finetune");
        List<CliRun> runs = List.of(
                CliRun.of(tiny.args(pretrainOut, 1, "--device", missingGpu())),
                CliRun.of("finetune", "--model", "model-zoo/nano", "--data", ChatData.first(4, dir).toString(),
                        "--out", finetuneOut.toString(), "--device", missingGpu()),
                CliRun.of("bench-train", "--steps", "1", "--device", missingGpu()));
        for (CliRun r : runs) {
            assertEquals(2, r.status(), r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.contains("--device " + missingGpu() + ": the engine sees "
                    + Engine.getInstance().getGpuCount() + " GPU"), r.err());
            assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r.err());
        }
        assertFalse(Files.exists(pretrainOut), "nothing written");
        assertFalse(Files.exists(finetuneOut), "nothing written");
    }

    private static RunManifest manifest(Path out) throws IOException {
        return RunManifest.read(out.resolve(RunManifest.FILE_NAME)).orElseThrow();
    }
}
