package io.github.tinyllama.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generation settings a checkpoint ships in {@code generation_config.json}; every field is optional.
 *
 * @param eosTokenIds ids that end generation, empty when the file names none
 * @param maxNewTokens default number of new tokens, or 0 when unset
 * @param doSample whether the checkpoint's authors sample by default
 * @param temperature default temperature (1 when unset)
 * @param topK default top-k (0 = off)
 * @param topP default top-p (1 = off)
 * @param repetitionPenalty default repetition penalty (1 = off)
 */
public record GenerationDefaults(
        List<Integer> eosTokenIds,
        int maxNewTokens,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty) {

    /** The file name Hugging Face gives generation defaults. */
    public static final String FILE_NAME = "generation_config.json";

    /** Settings used when a checkpoint ships no generation config. */
    public static final GenerationDefaults NONE = new GenerationDefaults(List.of(), 0, false, 1, 0, 1, 1);

    /** Copies the list. */
    public GenerationDefaults {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * Reads {@code generation_config.json} from a model directory, or {@link #NONE} when it has none.
     *
     * @param modelDir the model directory
     * @return the defaults
     * @throws ConfigException if the file exists but is malformed
     */
    public static GenerationDefaults load(Path modelDir) throws ConfigException {
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return NONE;
        }
        JsonFields json = JsonFields.read(file);
        return new GenerationDefaults(
                json.optIntList("eos_token_id"),
                json.optInt("max_new_tokens", 0),
                json.optBoolean("do_sample", false),
                json.optDouble("temperature", 1),
                json.optInt("top_k", 0),
                json.optDouble("top_p", 1),
                json.optDouble("repetition_penalty", 1));
    }
}
