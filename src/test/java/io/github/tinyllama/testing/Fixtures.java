package io.github.tinyllama.testing;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.weights.RandomCheckpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Random checkpoints whose log-probabilities were computed once by the float64 reference
 * implementation of HF's LlamaForCausalLM ({@code ref_llama.py}, kept outside the project) and
 * committed under {@code src/test/resources/goldens/}. The checkpoints themselves are re-created
 * by {@link RandomCheckpoint}, which is deterministic for a seed; if its output ever changes, the
 * goldens no longer match and the numerics tests fail loudly rather than pass vacuously.
 */
public enum Fixtures {
    /** Four query heads per key/value head, bf16 weights, untied head. */
    GQA4_BF16(new LlamaConfig(64, 176, 2, 8, 2, 256, 128, 1e-5, 10000, 1, false, 1, List.of(2)), DType.BF16, 11),
    /** Three query heads per key/value head, tied embeddings, float32 weights. */
    GQA3_TIED_F32(new LlamaConfig(96, 200, 3, 6, 2, 256, 128, 1e-5, 10000, 1, true, 1, List.of(2)), DType.F32, 12),
    /** Eight query heads per key/value head (TinyLlama's ratio), rope_theta 500000, f16 weights. */
    GQA8_THETA500K_F16(new LlamaConfig(128, 344, 2, 16, 2, 300, 128, 1e-6, 500000, 1, false, 1, List.of(2)),
            DType.F16, 13),
    /**
     * Two query heads per key/value head, bf16, sharded, written by an independent Python writer and
     * committed under {@code src/test/resources/fixtures/mkckpt-odd/}.
     */
    MKCKPT_GQA2_SHARDED(new LlamaConfig(96, 250, 3, 6, 3, 128, 128, 1e-5, 10000, 1, false, 1, List.of(2)),
            DType.BF16, -1);

    private static final String COMMITTED = "/fixtures/mkckpt-odd/";
    private static final List<String> COMMITTED_FILES = List.of("config.json", "generation_config.json",
            "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json");

    /** The architecture. */
    public final LlamaConfig config;
    /** The stored tensor type. */
    public final DType dtype;
    /** The weights' random seed. */
    public final long seed;

    Fixtures(LlamaConfig config, DType dtype, long seed) {
        this.config = config;
        this.dtype = dtype;
        this.seed = seed;
    }

    /** Writes the checkpoint into {@code dir/<name>} (if not there yet) and returns that directory. */
    public Path write(Path dir) throws IOException {
        Path out = dir.resolve(name().toLowerCase());
        if (out.resolve("config.json").toFile().exists()) {
            return out;
        }
        if (this == MKCKPT_GQA2_SHARDED) {
            Files.createDirectories(out);
            for (String file : COMMITTED_FILES) {
                try (InputStream in = Fixtures.class.getResourceAsStream(COMMITTED + file)) {
                    Files.copy(in, out.resolve(file));
                }
            }
        } else {
            RandomCheckpoint.write(out, config, dtype, seed);
        }
        return out;
    }

    /** Classpath resource of the golden values. */
    public String golden() {
        return "/goldens/" + name().toLowerCase() + ".json";
    }

    /** Writes every fixture under the directory given as the first argument (to regenerate goldens). */
    public static void main(String[] args) throws IOException {
        for (Fixtures f : values()) {
            System.out.println(f.write(Path.of(args[0])));
        }
    }
}
