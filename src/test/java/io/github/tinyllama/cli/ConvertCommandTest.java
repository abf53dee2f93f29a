package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.LitGptFormat;
import io.github.tinyllama.checkpoint.TorchFile;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.weights.RandomCheckpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinyllama convert} end to end on random checkpoints. */
class ConvertCommandTest {
    private static final LlamaConfig SHAPE =
            new LlamaConfig(32, 48, 2, 8, 2, 64, 64, 1e-5, 10000, 1, false, 1, List.of(2));

    @TempDir
    Path tmp;

    private String[] lastErr = {""};

    private int run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            return Main.run(args);
        } finally {
            System.setErr(old);
            lastErr[0] = err.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void hfToLitAndBackReproducesEveryTensor() throws IOException {
        Path hf = tmp.resolve("hf");
        RandomCheckpoint.write(hf, SHAPE, DType.F32, 42);
        Files.writeString(hf.resolve("tokenizer.json"), "{}");
        Path lit = tmp.resolve("lit");
        Path back = tmp.resolve("back");
        assertEquals(0, run("convert", "--from", hf.toString(), "--to", lit.toString(), "--format", "lit"), lastErr[0]);
        assertTrue(Files.isRegularFile(lit.resolve(LitGptFormat.FILE_NAME)));
        assertTrue(Files.isRegularFile(lit.resolve("config.json")));
        try (TorchFile t = TorchFile.open(lit.resolve(LitGptFormat.FILE_NAME))) {
            assertTrue(t.tensors().containsKey("transformer.h.1.attn.attn.weight"));
            assertArrayEquals(new long[] {(8 + 2 * 2) * 4, 32}, t.tensors().get("transformer.h.1.attn.attn.weight").shape());
        }
        assertEquals(0, run("convert", "--from", lit.toString(), "--to", back.toString(), "--format", "hf"), lastErr[0]);
        assertTrue(Files.isRegularFile(back.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(back.resolve("generation_config.json")));
        assertEquals(SHAPE, LlamaConfig.load(back));
        try (Checkpoint a = Checkpoint.open(hf); Checkpoint b = Checkpoint.open(back)) {
            assertEquals(Checkpoint.Format.SAFETENSORS, b.format());
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                assertArrayEquals(a.info(name).shape(), b.info(name).shape(), name);
                assertArrayEquals(a.readFloats(name), b.readFloats(name), name);
            }
        }
    }

    @Test
    void dtypeOptionConvertsAndUpdatesConfig() throws IOException {
        Path hf = tmp.resolve("hf");
        RandomCheckpoint.write(hf, SHAPE, DType.F32, 3);
        Path out = tmp.resolve("bf16");
        assertEquals(0, run("convert", "--from", hf.toString(), "--to", out.toString(), "--format", "hf",
                "--dtype", "bf16"), lastErr[0]);
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"bfloat16\""));
        try (Checkpoint a = Checkpoint.open(hf); Checkpoint b = Checkpoint.open(out)) {
            for (String name : a.names()) {
                assertEquals(DType.BF16, b.info(name).dtype());
                java.nio.ByteBuffer x = a.read(name, DType.BF16);
                java.nio.ByteBuffer y = b.read(name, DType.BF16);
                assertEquals(x, y, name);
            }
        }
    }

    @Test
    void litInputWithoutConfigFailsInOneLine() throws IOException {
        Path hf = tmp.resolve("hf");
        RandomCheckpoint.write(hf, SHAPE, DType.F32, 1);
        Path lit = tmp.resolve("lit");
        assertEquals(0, run("convert", "--from", hf.toString(), "--to", lit.toString(), "--format", "lit"), lastErr[0]);
        Files.delete(lit.resolve("config.json"));
        assertEquals(1, run("convert", "--from", lit.toString(), "--to", tmp.resolve("x").toString(), "--format", "hf"));
        assertEquals(1, lastErr[0].strip().lines().count(), lastErr[0]);
        assertTrue(lastErr[0].contains("--config"), lastErr[0]);
        assertEquals(0, run("convert", "--from", lit.toString(), "--to", tmp.resolve("y").toString(), "--format", "hf",
                "--config", hf.resolve("config.json").toString()), lastErr[0]);
    }

    @Test
    void emptyInputNamesTheFilesLookedFor() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(1, run("convert", "--from", empty.toString(), "--to", tmp.resolve("o").toString(), "--format", "hf"));
        assertEquals(1, lastErr[0].strip().lines().count(), lastErr[0]);
        assertTrue(lastErr[0].contains("pytorch_model.bin.index.json"), lastErr[0]);
    }
}
