package io.github.tinyllama.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The files of a Hugging Face model directory that travel with its weights when they are rewritten. */
public final class SideFiles {

    /** Copied beside rewritten weights when the input directory has them. */
    public static final List<String> NAMES = List.of("generation_config.json", "tokenizer.json", "tokenizer.model",
            "tokenizer_config.json", "special_tokens_map.json");

    private SideFiles() {}

    /**
     * Copies {@code config.json} and the side files that exist into {@code outDir}, each atomically.
     *
     * @param configFile the config to copy, if it exists
     * @param inDir where the side files are
     * @param outDir the directory of the rewritten weights
     * @param storedType the weights' new type, recorded as the config's {@code torch_dtype}; {@code null} to
     *     copy the config unchanged
     * @throws IOException if reading or writing fails
     */
    public static void copy(Path configFile, Path inDir, Path outDir, DType storedType) throws IOException {
        if (Files.isRegularFile(configFile)) {
            Path out = outDir.resolve(LlamaConfig.FILE_NAME);
            if (storedType == null) {
                AtomicFiles.copy(configFile, out);
            } else {
                JsonObject json = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
                json.addProperty("torch_dtype", storedType.torchName());
                AtomicFiles.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n");
            }
        }
        for (String name : NAMES) {
            if (Files.isRegularFile(inDir.resolve(name))) {
                AtomicFiles.copy(inDir.resolve(name), outDir.resolve(name));
            }
        }
    }
}
