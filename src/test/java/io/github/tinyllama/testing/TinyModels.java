package io.github.tinyllama.testing;

import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.weights.RandomCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Small random models with the real Llama-2 tokenizer, for tests that need text in and out. */
public final class TinyModels {

    private TinyModels() {}

    /**
     * Writes a {@link LlamaConfig#tiny()} random checkpoint (bf16) into {@code dir}, with the converted
     * Llama-2 {@code tokenizer.json} and {@code tokenizer_config.json} beside it; skips the calling test when
     * the tokenizer model is absent.
     *
     * @param dir the model directory to fill
     * @param seed the weights' seed
     * @return {@code dir}
     */
    public static Path withTokenizer(Path dir, long seed) throws IOException {
        Path converted = SharedTokenizer.convertedDir();
        RandomCheckpoint.write(dir, LlamaConfig.tiny(), DType.BF16, seed);
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(converted.resolve(name), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }
}
