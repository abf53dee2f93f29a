package io.github.tinyllama.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The files of a Hugging Face model directory that travel with its weights when they are rewritten. */
public final class SideFiles {

    /** The tokenizer as a fast-tokenizer file. */
    public static final String TOKENIZER_JSON = "tokenizer.json";

    /** The tokenizer as a SentencePiece model. */
    public static final String TOKENIZER_MODEL = "tokenizer.model";

    /** The tokenizer's files, in the order a repository's are looked for; a model directory has some of them. */
    public static final List<String> TOKENIZER_NAMES = List.of(TOKENIZER_JSON, TOKENIZER_MODEL,
            "tokenizer_config.json", "special_tokens_map.json");

    /**
     * Copied beside rewritten weights when the input directory has them: the generation config, then the
     * tokenizer's files. The bundled model's checksum runs over them in this order.
     */
    public static final List<String> NAMES = Stream.concat(Stream.of(GenerationDefaults.FILE_NAME),
            TOKENIZER_NAMES.stream()).toList();

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
        for (Path file : existing(inDir, NAMES)) {
            AtomicFiles.copy(file, outDir.resolve(file.getFileName()));
        }
    }

    /**
     * The files of {@code dir} among {@code names}, in their order.
     *
     * @param dir the directory to look in
     * @param names the file names to look for, such as {@link #TOKENIZER_NAMES}
     * @return the paths of those that are regular files
     */
    public static List<Path> existing(Path dir, List<String> names) {
        List<Path> files = new ArrayList<>();
        for (String name : names) {
            if (Files.isRegularFile(dir.resolve(name))) {
                files.add(dir.resolve(name));
            }
        }
        return files;
    }
}
