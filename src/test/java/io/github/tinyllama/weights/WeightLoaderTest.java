package io.github.tinyllama.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.CheckpointFormatException;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LlamaNetwork;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Strict name and shape mapping between HF checkpoints and the block's parameters. */
class WeightLoaderTest {

    private static final LlamaConfig CONFIG = new LlamaConfig(32, 64, 2, 4, 2, 64, 32, 1e-5, 10000, 1, false, 1, List.of(2));

    @TempDir
    Path dir;

    /** Rewrites a random checkpoint with its tensor list edited, and returns its directory. */
    private Path edited(LlamaConfig config, UnaryOperator<List<TensorSource>> edit) throws IOException {
        Path original = dir.resolve("original");
        RandomCheckpoint.write(original, config, DType.F32, 1);
        List<TensorSource> tensors = new ArrayList<>();
        try (Checkpoint checkpoint = Checkpoint.open(original)) {
            for (String name : checkpoint.names()) {
                ByteBuffer data = checkpoint.read(name, DType.F32);
                tensors.add(TensorSource.of(name, DType.F32, checkpoint.info(name).shape(), data));
            }
        }
        Path out = Files.createDirectories(dir.resolve("edited"));
        Files.copy(original.resolve("config.json"), out.resolve("config.json"));
        SafetensorsWriter.write(out.resolve("model.safetensors"), Map.of(), edit.apply(tensors));
        return out;
    }

    private static void load(Path modelDir, LlamaConfig config) throws IOException {
        try (Model model = Model.newInstance("test"); Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            LlamaNetwork block = new LlamaNetwork(config);
            WeightLoader.load(block, checkpoint, model.getNDManager(), DataType.FLOAT32, true, bytes -> {});
            assertTrue(block.parametersByName().values().stream().allMatch(p -> p.isInitialized()));
        }
    }

    private static TensorSource zeros(String name, long... shape) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        return TensorSource.of(name, DType.F32, shape, ByteBuffer.allocate((int) count * 4));
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path modelDir = edited(CONFIG, ts -> {
            ts.removeIf(t -> t.name().equals("model.layers.1.mlp.up_proj.weight"));
            return ts;
        });
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(modelDir, CONFIG));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void unexpectedTensorIsNamedWithItsFile() throws IOException {
        Path modelDir = edited(CONFIG, ts -> {
            ts.add(zeros("model.layers.2.self_attn.q_proj.weight", 32, 32));
            return ts;
        });
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(modelDir, CONFIG));
        assertTrue(e.getMessage().contains("model.layers.2.self_attn.q_proj.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void misShapedTensorIsNamedWithBothShapesAndFile() throws IOException {
        Path modelDir = edited(CONFIG, ts -> {
            ts.removeIf(t -> t.name().equals("model.layers.0.self_attn.k_proj.weight"));
            ts.add(zeros("model.layers.0.self_attn.k_proj.weight", 32, 32));
            return ts;
        });
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(modelDir, CONFIG));
        String m = e.getMessage();
        assertTrue(m.contains("model.layers.0.self_attn.k_proj.weight") && m.contains("[32, 32]")
                && m.contains("(16, 32)") && m.contains("model.safetensors"), m);
    }

    @Test
    void rotaryInverseFrequenciesAreIgnored() throws IOException {
        Path modelDir = edited(CONFIG, ts -> {
            ts.add(zeros("model.layers.0.self_attn.rotary_emb.inv_freq", 4));
            return ts;
        });
        load(modelDir, CONFIG);
    }

    @Test
    void tiedModelsAcceptAndIgnoreAStoredHead() throws IOException {
        LlamaConfig tied = new LlamaConfig(32, 64, 2, 4, 2, 64, 32, 1e-5, 10000, 1, true, 1, List.of(2));
        Path modelDir = edited(tied, ts -> {
            ts.add(zeros("lm_head.weight", 64, 32));
            return ts;
        });
        load(modelDir, tied);
    }

    @Test
    void untiedModelsNeedTheirHead() throws IOException {
        Path modelDir = edited(CONFIG, ts -> {
            ts.removeIf(t -> t.name().equals("lm_head.weight"));
            return ts;
        });
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(modelDir, CONFIG));
        assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("tie_word_embeddings=false"),
                e.getMessage());
    }

    @Test
    void parameterNamesAreHuggingFaces() {
        LlamaNetwork block = new LlamaNetwork(LlamaConfig.tinyLlama1b());
        assertEquals(3 + 22 * 9, block.parametersByName().size());
        assertEquals(LlamaConfig.tinyLlama1b().parameterCount(),
                block.shapesByName().values().stream().mapToLong(s -> s.size()).sum());
        assertTrue(block.parametersByName().containsKey("model.layers.21.self_attn.o_proj.weight"));
        assertTrue(block.parametersByName().containsKey("model.norm.weight"));
    }
}
