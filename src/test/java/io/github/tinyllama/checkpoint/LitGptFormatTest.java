package io.github.tinyllama.checkpoint;

import static io.github.tinyllama.checkpoint.FormatFixtures.assertMatches;
import static io.github.tinyllama.checkpoint.FormatFixtures.dir;
import static io.github.tinyllama.checkpoint.FormatFixtures.expected;
import static io.github.tinyllama.checkpoint.FormatFixtures.storedBits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.config.LlamaConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** lit-gpt names, the fused QKV split and assembly, and the torch.save writer. */
class LitGptFormatTest {
    /** Set to a directory to keep the written .pth files, e.g. to load them with torch. */
    private static final String EXPORT = System.getProperty("tinyllama.formats.export");

    @TempDir
    Path tmp;

    private static LitGptFormat fixtureFormat() throws IOException {
        return LitGptFormat.of(LlamaConfig.fromFile(dir("lit").resolve("config.json")));
    }

    @Test
    void litCheckpointSplitsLikeTorchReference() throws IOException {
        try (Checkpoint hf = fixtureFormat().open(dir("lit").resolve(LitGptFormat.FILE_NAME))) {
            assertEquals(Checkpoint.Format.LIT_GPT, hf.format());
            assertMatches(expected("lit", "expected_hf.json"), hf);
            assertEquals(List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
                    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                    "model.layers.0.self_attn.v_proj.weight"), List.copyOf(hf.names()).subList(0, 5));
        }
    }

    @Test
    void namesMapBothWays() {
        String[][] pairs = {
            {"transformer.wte.weight", "model.embed_tokens.weight"},
            {"transformer.h.12.norm_1.weight", "model.layers.12.input_layernorm.weight"},
            {"transformer.h.12.attn.proj.weight", "model.layers.12.self_attn.o_proj.weight"},
            {"transformer.h.12.norm_2.weight", "model.layers.12.post_attention_layernorm.weight"},
            {"transformer.h.12.mlp.swiglu.w1.weight", "model.layers.12.mlp.gate_proj.weight"},
            {"transformer.h.12.mlp.swiglu.w2.weight", "model.layers.12.mlp.up_proj.weight"},
            {"transformer.h.12.mlp.swiglu.w3.weight", "model.layers.12.mlp.down_proj.weight"},
            {"transformer.ln_f.weight", "model.norm.weight"},
            {"lm_head.weight", "lm_head.weight"},
        };
        for (String[] p : pairs) {
            assertEquals(List.of(p[1]), LitGptFormat.hfNames(p[0]));
            assertEquals(p[0], LitGptFormat.litName(p[1]));
        }
        assertEquals(List.of("model.layers.3.self_attn.q_proj.weight", "model.layers.3.self_attn.k_proj.weight",
                "model.layers.3.self_attn.v_proj.weight"), LitGptFormat.hfNames("transformer.h.3.attn.attn.weight"));
        for (String part : List.of("q", "k", "v")) {
            assertEquals("transformer.h.3.attn.attn.weight",
                    LitGptFormat.litName("model.layers.3.self_attn." + part + "_proj.weight"));
        }
        assertThrows(IllegalArgumentException.class, () -> LitGptFormat.hfNames("transformer.h.0.attn.bias"));
        assertThrows(IllegalArgumentException.class, () -> LitGptFormat.litName("model.layers.0.self_attn.q_proj.bias"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "bf16", "f16"})
    void hfToLitToHfIsIdentity(String dtype) throws IOException {
        LitGptFormat lit = fixtureFormat();
        Path file = tmp.resolve(LitGptFormat.FILE_NAME);
        try (Checkpoint hf = Checkpoint.open(dir(dtype))) {
            TorchWriter.write(file, lit.litTensors(hf, null));
            export(file, dtype + "_lit_model.pth");
            try (Checkpoint back = lit.open(file)) {
                assertEquals(hf.names(), back.names());
                for (String name : hf.names()) {
                    TensorInfo a = hf.info(name);
                    assertEquals(a.dtype(), back.info(name).dtype(), name);
                    assertArrayEquals(a.shape(), back.info(name).shape(), name);
                    assertArrayEquals(storedBits(hf, name, a.dtype()), storedBits(back, name, a.dtype()), name);
                }
            }
        }
    }

    @Test
    void assembledFusedMatrixEqualsTorchOriginal() throws IOException {
        LitGptFormat lit = fixtureFormat();
        Path original = dir("lit").resolve(LitGptFormat.FILE_NAME);
        Path file = tmp.resolve("again.pth");
        try (Checkpoint hf = lit.open(original)) {
            TorchWriter.write(file, lit.litTensors(hf, null));
        }
        try (TorchFile a = TorchFile.open(original); TorchFile b = TorchFile.open(file)) {
            assertEquals(List.copyOf(a.tensors().keySet()), List.copyOf(b.tensors().keySet()));
            for (TensorInfo info : a.tensors().values()) {
                assertArrayEquals(bytes(a, info), bytes(b, b.tensors().get(info.name())), info.name());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "zip64End", "zip64Entries"})
    void writerOutputReadsBack(String zip64) throws IOException {
        Path file = tmp.resolve(zip64 + ".pth");
        List<TensorSource> tensors = new ArrayList<>();
        float[] values = {1.5f, -2f, 3.25f, 0f, 7f, -0.125f};
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            data.putFloat(v);
        }
        tensors.add(TensorSource.of("a.b", DType.F32, new long[] {2, 3}, data.flip()));
        tensors.add(TensorSource.of("scalar", DType.BF16, new long[] {}, ByteBuffer.wrap(new byte[] {(byte) 0x80, 0x3f})));
        tensors.add(TensorSource.of("empty", DType.F16, new long[] {0, 4}, ByteBuffer.allocate(0)));
        TorchWriter.write(file, tensors, !zip64.equals("plain"), zip64.equals("zip64Entries"));
        export(file, zip64 + ".pth");
        try (TorchFile t = TorchFile.open(file)) {
            assertEquals(List.of("a.b", "scalar", "empty"), List.copyOf(t.tensors().keySet()));
            ByteBuffer out = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            t.readInto("a.b", DType.F32, out);
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], out.getFloat(4 * i));
            }
            assertEquals(0, t.tensors().get("a.b").offset() % 64, "data aligned like torch's writer");
            ByteBuffer one = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            t.readInto("scalar", DType.F32, one);
            assertEquals(1f, one.getFloat(0));
            assertArrayEquals(new long[] {0, 4}, t.tensors().get("empty").shape());
        }
    }

    @Test
    void fusedShapeThatDoesNotFitTheConfigIsRefused() {
        LitGptFormat wrong = new LitGptFormat(4, 1, 4);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> wrong.open(dir("lit").resolve(LitGptFormat.FILE_NAME)).close());
        assertTrue(e.getMessage().contains("transformer.h.0.attn.attn.weight") && e.getMessage().contains("24 rows"),
                e.getMessage());
    }

    @Test
    void writingRefusesQkvThatDoNotFitTheShape() throws IOException {
        try (Checkpoint hf = Checkpoint.open(dir("f32"))) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> new LitGptFormat(2, 2, 8).litTensors(hf, DType.F32));
            assertTrue(e.getMessage().contains("k_proj"), e.getMessage());
        }
    }

    @Test
    void writerRefusesDuplicateNamesAndLeavesNoFile() {
        Path file = tmp.resolve("dup.pth");
        TensorSource t = TensorSource.of("x", DType.F32, new long[] {1}, ByteBuffer.allocate(4));
        assertThrows(IllegalArgumentException.class, () -> TorchWriter.write(file, List.of(t, t)));
        assertTrue(Files.notExists(file));
    }

    private static byte[] bytes(TorchFile f, TensorInfo info) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) info.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        f.readInto(info.name(), info.dtype(), b);
        return b.array();
    }

    private static void export(Path file, String name) throws IOException {
        if (EXPORT != null) {
            Files.createDirectories(Path.of(EXPORT));
            Files.copy(file, Path.of(EXPORT, name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

}
