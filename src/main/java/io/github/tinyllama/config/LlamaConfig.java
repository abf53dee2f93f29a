package io.github.tinyllama.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.List;

/**
 * The architecture of a Llama-family model, as Hugging Face's {@code config.json} describes it.
 *
 * <p>Values are validated on construction: a config whose heads do not divide the hidden size, or
 * whose key/value heads do not divide the heads, is refused with a message naming the field.
 *
 * @param hiddenSize width of the residual stream ({@code hidden_size})
 * @param intermediateSize width of the SwiGLU MLP ({@code intermediate_size})
 * @param numLayers number of decoder layers ({@code num_hidden_layers})
 * @param numHeads number of query heads ({@code num_attention_heads})
 * @param numKvHeads number of key/value heads ({@code num_key_value_heads}); equal to numHeads without GQA
 * @param vocabSize rows of the embedding and LM head ({@code vocab_size}); not always 32000
 * @param maxPositions longest sequence the model handles ({@code max_position_embeddings})
 * @param rmsNormEps epsilon inside RMSNorm ({@code rms_norm_eps})
 * @param ropeTheta base of the rotary frequencies ({@code rope_theta}, 10000 when absent)
 * @param ropeScalingFactor linear position-interpolation factor ({@code rope_scaling.factor}, 1 when absent)
 * @param tieWordEmbeddings whether the LM head reuses the embedding matrix
 * @param bosTokenId the beginning-of-sequence id
 * @param eosTokenIds the ids that end generation (HF allows one or a list)
 */
public record LlamaConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        double ropeScalingFactor,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    /** The file name Hugging Face gives a model's architecture. */
    public static final String FILE_NAME = "config.json";

    /** Validates the fields; see the class description. */
    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numHeads);
        requirePositive("num_key_value_heads", numKvHeads);
        requirePositive("vocab_size", vocabSize);
        requirePositive("max_position_embeddings", maxPositions);
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "num_attention_heads (" + numHeads + ") must divide hidden_size (" + hiddenSize + ")");
        }
        if ((hiddenSize / numHeads) % 2 != 0) {
            throw new IllegalArgumentException("hidden_size / num_attention_heads (head size "
                    + hiddenSize / numHeads + ") must be even for rotary embeddings");
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException(
                    "num_key_value_heads (" + numKvHeads + ") must divide num_attention_heads (" + numHeads + ")");
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be positive, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be positive, found " + ropeTheta);
        }
        if (!(ropeScalingFactor >= 1)) {
            throw new IllegalArgumentException("rope_scaling.factor must be at least 1, found " + ropeScalingFactor);
        }
        checkTokenId("bos_token_id", bosTokenId, vocabSize);
        for (int eos : eosTokenIds) {
            checkTokenId("eos_token_id", eos, vocabSize);
        }
        if (weightCount(hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, vocabSize, tieWordEmbeddings)
                < 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + ", intermediate_size " + intermediateSize
                    + ", num_hidden_layers " + numLayers + " and vocab_size " + vocabSize
                    + " give more weights than can be counted (over 2^63)");
        }
    }

    /** The configuration of the released TinyLlama 1.1B checkpoints. */
    public static LlamaConfig tinyLlama1b() {
        return new LlamaConfig(2048, 5632, 22, 32, 4, 32000, 2048, 1e-5, 10000, 1, false, 1, List.of(2));
    }

    /** A two-layer grouped-query model with the Llama-2 vocabulary, small enough for tests. */
    public static LlamaConfig tiny() {
        return new LlamaConfig(64, 176, 2, 8, 2, 32000, 256, 1e-5, 10000, 1, false, 1, List.of(2));
    }

    /** Size of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKvHead() {
        return numHeads / numKvHeads;
    }

    /** Number of weights the model holds. */
    public long parameterCount() {
        return weightCount(hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, vocabSize, tieWordEmbeddings);
    }

    /** The number of weights, or -1 when it overflows a long (a config of absurd sizes). */
    private static long weightCount(int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
            int vocabSize, boolean tied) {
        try {
            long h = hiddenSize;
            long kv = (long) numKvHeads * (hiddenSize / numHeads);
            long perLayer = Math.addExact(Math.addExact(Math.multiplyExact(2 * h, h), Math.multiplyExact(2 * kv, h)),
                    Math.addExact(Math.multiplyExact(3 * h, (long) intermediateSize), 2 * h));
            long embeddings = Math.multiplyExact((long) vocabSize * h, tied ? 1L : 2L);
            return Math.addExact(Math.addExact(Math.multiplyExact(numLayers, perLayer), embeddings), h);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /**
     * Reads {@code config.json} from a model directory.
     *
     * @param modelDir a directory holding {@code config.json}
     * @return the validated configuration
     * @throws ConfigException if the file is missing, malformed or inconsistent (the message names the field)
     */
    public static LlamaConfig load(Path modelDir) throws ConfigException {
        return fromFile(modelDir.resolve(FILE_NAME));
    }

    /**
     * Reads a {@code config.json} file.
     *
     * @param file the file
     * @return the validated configuration
     * @throws ConfigException if the file is missing, malformed or inconsistent (the message names the field)
     */
    public static LlamaConfig fromFile(Path file) throws ConfigException {
        JsonFields json = JsonFields.read(file);
        String modelType = json.optString("model_type", "llama");
        if (!"llama".equals(modelType)) {
            throw json.error("model_type", "is '" + modelType + "'; only 'llama' models are supported");
        }
        String act = json.optString("hidden_act", "silu");
        if (!"silu".equals(act)) {
            throw json.error("hidden_act", "is '" + act + "'; Llama models use 'silu'");
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            if (json.optBoolean(bias, false)) {
                throw json.error(bias, "is true; biased projections are not supported");
            }
        }
        int hidden = json.requireInt("hidden_size");
        int heads = json.requireInt("num_attention_heads");
        if (json.has("head_dim") && json.optInt("head_dim", 0) * heads != hidden) {
            throw json.error("head_dim", "must equal hidden_size / num_attention_heads");
        }
        List<Integer> eos = json.optIntList("eos_token_id");
        try {
            return new LlamaConfig(
                    hidden,
                    json.requireInt("intermediate_size"),
                    json.requireInt("num_hidden_layers"),
                    heads,
                    json.optInt("num_key_value_heads", heads),
                    json.requireInt("vocab_size"),
                    json.optInt("max_position_embeddings", 2048),
                    json.optDouble("rms_norm_eps", 1e-6),
                    json.optDouble("rope_theta", 10000),
                    ropeScaling(json),
                    json.optBoolean("tie_word_embeddings", false),
                    json.optInt("bos_token_id", 1),
                    eos.isEmpty() ? List.of(2) : eos);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    private static double ropeScaling(JsonFields json) throws ConfigException {
        JsonFields scaling = json.optObject("rope_scaling");
        if (scaling == null) {
            return 1;
        }
        String type = scaling.optString("rope_type", scaling.optString("type", "linear"));
        if (!"linear".equals(type) && !"default".equals(type)) {
            throw scaling.error("type", "is '" + type + "'; only 'linear' scaling is supported");
        }
        return "default".equals(type) ? 1 : scaling.optDouble("factor", 1);
    }

    /**
     * Renders this configuration as the {@code config.json} that transformers' {@code LlamaForCausalLM} reads.
     *
     * @param torchDtype the {@code torch_dtype} to record (for example "bfloat16")
     * @return pretty-printed JSON
     */
    public String toJson(String torchDtype) {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("LlamaForCausalLM");
        o.add("architectures", arch);
        o.addProperty("model_type", "llama");
        o.addProperty("hidden_act", "silu");
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("num_hidden_layers", numLayers);
        o.addProperty("num_attention_heads", numHeads);
        o.addProperty("num_key_value_heads", numKvHeads);
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("max_position_embeddings", maxPositions);
        o.addProperty("rms_norm_eps", rmsNormEps);
        o.addProperty("rope_theta", ropeTheta);
        if (ropeScalingFactor == 1) {
            o.add("rope_scaling", JsonNull.INSTANCE);
        } else {
            JsonObject scaling = new JsonObject();
            scaling.addProperty("type", "linear");
            scaling.addProperty("factor", ropeScalingFactor);
            o.add("rope_scaling", scaling);
        }
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        o.addProperty("attention_bias", false);
        o.addProperty("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) {
            o.addProperty("eos_token_id", eosTokenIds.get(0));
        } else {
            JsonArray eos = new JsonArray();
            eosTokenIds.forEach(eos::add);
            o.add("eos_token_id", eos);
        }
        o.addProperty("torch_dtype", torchDtype);
        o.addProperty("use_cache", true);
        return new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n";
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, found " + value);
        }
    }

    private static void checkTokenId(String field, int id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(field + " " + id + " is outside the vocabulary (vocab_size " + vocabSize + ")");
        }
    }
}
