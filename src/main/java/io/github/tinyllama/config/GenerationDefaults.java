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
        int maxNewTokens = json.optInt("max_new_tokens", 0);
        double temperature = json.optDouble("temperature", 1);
        int topK = json.optInt("top_k", 0);
        double topP = json.optDouble("top_p", 1);
        double repetitionPenalty = json.optDouble("repetition_penalty", 1);
        require(json, "max_new_tokens", maxNewTokens >= 0, "must not be negative");
        require(json, "temperature", temperature >= 0, "must not be negative");
        require(json, "top_k", topK >= 0, "must not be negative");
        require(json, "top_p", topP > 0 && topP <= 1, "must be in (0, 1]");
        require(json, "repetition_penalty", repetitionPenalty > 0, "must be positive");
        return new GenerationDefaults(json.optIntList("eos_token_id"), maxNewTokens,
                json.optBoolean("do_sample", false), temperature, topK, topP, repetitionPenalty);
    }

    private static void require(JsonFields json, String field, boolean ok, String rule) throws ConfigException {
        if (!ok) {
            throw json.error(field, rule);
        }
    }
}
