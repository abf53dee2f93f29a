package io.github.tinyllama.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reading Hugging Face's {@code config.json} and {@code generation_config.json}: the released
 * TinyLlama file, HF's defaults for absent fields, and refusals whose messages name both the file
 * and the field at fault. Nothing here needs the engine or the tokenizer.
 */
class LlamaConfigTest {

    /** TinyLlama/TinyLlama-1.1B-Chat-v1.0's config.json as published (transformers 4.35). */
    private static final String TINYLLAMA_CHAT_CONFIG = """
            {
              "architectures": [
                "LlamaForCausalLM"
              ],
              "attention_bias": false,
              "bos_token_id": 1,
              "eos_token_id": 2,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "initializer_range": 0.02,
              "intermediate_size": 5632,
              "max_position_embeddings": 2048,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 22,
              "num_key_value_heads": 4,
              "pretraining_tp": 1,
              "rms_norm_eps": 1e-05,
              "rope_scaling": null,
              "rope_theta": 10000.0,
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": "4.35.0",
              "use_cache": true,
              "vocab_size": 32000
            }
            """;

    @TempDir
    Path dir;

    private Path configFile() {
        return dir.resolve(LlamaConfig.FILE_NAME);
    }

    private LlamaConfig loadText(String json) throws IOException {
        Files.writeString(configFile(), json);
        return LlamaConfig.load(dir);
    }

    /** Loads the TinyLlama config after {@code edit} has changed it. */
    private LlamaConfig loadEdited(Consumer<JsonObject> edit) throws IOException {
        JsonObject json = JsonParser.parseString(TINYLLAMA_CHAT_CONFIG).getAsJsonObject();
        edit.accept(json);
        return loadText(json.toString());
    }

    private static LlamaConfig withVocab(LlamaConfig c, int vocab) {
        return new LlamaConfig(c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads(),
                vocab, c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), c.ropeScalingFactor(),
                c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenIds());
    }

    // ---------------------------------------------------------------- reading

    @Test
    void releasedTinyLlamaConfigIsTheBuiltInPreset() throws IOException {
        LlamaConfig config = loadText(TINYLLAMA_CHAT_CONFIG);
        assertEquals(LlamaConfig.tinyLlama1b(), config);
        assertEquals(64, config.headSize());
        assertEquals(8, config.queriesPerKvHead());
        assertEquals(1e-5, config.rmsNormEps(), 0.0, "exactly the value in the file");
        assertEquals(LlamaConfig.tinyLlama1b(), LlamaConfig.fromFile(configFile()), "fromFile reads the same file");
    }

    /** The model card's "1.1B": 22 × 44,044,288 per layer + 2 × 32000 × 2048 (untied) + 2048 (final norm). */
    @Test
    void tinyLlamaHas1100048384Parameters() {
        assertEquals(1_100_048_384L, LlamaConfig.tinyLlama1b().parameterCount());
    }

    /** The closed-form count agrees with the shapes the DJL block declares, tied or not. */
    @ParameterizedTest
    @EnumSource(Fixtures.class)
    void parameterCountMatchesTheBlockShapes(Fixtures fixture) {
        long sum = new LlamaNetwork(fixture.config).shapesByName().values().stream().mapToLong(s -> s.size()).sum();
        assertEquals(sum, fixture.config.parameterCount(), fixture.name());
    }

    /** Fine-tunes add chat tokens; the embedding and head grow by one row each per added token. */
    @ParameterizedTest
    @ValueSource(ints = {32000, 32001, 32003})
    void paddedVocabulariesAreAccepted(int vocab) throws IOException {
        LlamaConfig config = loadEdited(json -> json.addProperty("vocab_size", vocab));
        assertEquals(withVocab(LlamaConfig.tinyLlama1b(), vocab), config);
        assertEquals(1_100_048_384L + 2L * 2048 * (vocab - 32000), config.parameterCount());
    }

    @Test
    void absentRopeThetaIsTenThousand() throws IOException {
        LlamaConfig config = loadEdited(json -> json.remove("rope_theta"));
        assertEquals(10000.0, config.ropeTheta(), 0.0);
        assertEquals(LlamaConfig.tinyLlama1b(), config);
    }

    @Test
    void absentKeyValueHeadsMeansNoGrouping() throws IOException {
        LlamaConfig config = loadEdited(json -> json.remove("num_key_value_heads"));
        assertEquals(32, config.numKvHeads());
        assertEquals(1, config.queriesPerKvHead());
    }

    /** Llama-2 and TinyLlama omit several fields in older exports; HF's LlamaConfig defaults then apply. */
    @Test
    void minimalConfigTakesHuggingFaceDefaults() throws IOException {
        LlamaConfig config = loadText("""
                {"hidden_size": 64, "intermediate_size": 176, "num_hidden_layers": 2,
                 "num_attention_heads": 8, "vocab_size": 32000}
                """);
        assertEquals(new LlamaConfig(64, 176, 2, 8, 8, 32000, 2048, 1e-6, 10000, 1, false, 1, List.of(2)), config);
    }

    @Test
    void endOfSequenceMayBeAList() throws IOException {
        LlamaConfig config = loadEdited(json -> {
            JsonArray eos = new JsonArray();
            eos.add(2);
            eos.add(32000);
            json.add("eos_token_id", eos);
            json.addProperty("vocab_size", 32001);
        });
        assertEquals(List.of(2, 32000), config.eosTokenIds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\": \"linear\", \"factor\": 4.0}", "{\"rope_type\": \"linear\", \"factor\": 4}"})
    void linearRopeScalingFactorIsRead(String scaling) throws IOException {
        LlamaConfig config = loadEdited(json -> json.add("rope_scaling", JsonParser.parseString(scaling)));
        assertEquals(4.0, config.ropeScalingFactor(), 0.0);
    }

    @Test
    void defaultRopeTypeMeansNoScaling() throws IOException {
        LlamaConfig config = loadEdited(json -> json.add("rope_scaling",
                JsonParser.parseString("{\"rope_type\": \"default\", \"factor\": 8.0}")));
        assertEquals(1.0, config.ropeScalingFactor(), 0.0);
    }

    static Stream<LlamaConfig> roundTripConfigs() {
        return Stream.of(
                LlamaConfig.tinyLlama1b(),
                LlamaConfig.tiny(),
                withVocab(LlamaConfig.tinyLlama1b(), 32003),
                new LlamaConfig(96, 200, 3, 6, 2, 256, 128, 1e-5, 10000, 1, true, 1, List.of(2)),
                new LlamaConfig(128, 344, 2, 16, 2, 300, 4096, 1e-6, 500000, 4, false, 0, List.of(2, 7, 299)),
                new LlamaConfig(64, 176, 2, 8, 8, 32000, 256, 3.3e-7, 12345.678, 2.5, false, 1, List.of(5)));
    }

    /** Doubles are written in Gson's shortest round-trip form, so even 3.3e-7 comes back bit for bit. */
    @ParameterizedTest
    @MethodSource("roundTripConfigs")
    void toJsonRoundTripsThroughLoad(LlamaConfig config) throws IOException {
        String json = config.toJson("float16");
        assertEquals(config, loadText(json));
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertEquals("float16", o.get("torch_dtype").getAsString());
        assertEquals("LlamaForCausalLM", o.getAsJsonArray("architectures").get(0).getAsString());
    }

    // ---------------------------------------------------------------- refusals

    private static Arguments edit(String what, String field, Consumer<JsonObject> edit) {
        return Arguments.of(what, field, edit);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                edit("heads do not divide hidden", "num_attention_heads",
                        j -> j.addProperty("num_attention_heads", 30)),
                edit("kv heads do not divide heads", "num_key_value_heads",
                        j -> j.addProperty("num_key_value_heads", 5)),
                edit("odd head size", "hidden_size", j -> j.addProperty("hidden_size", 2016)),
                edit("head_dim disagrees", "head_dim", j -> j.addProperty("head_dim", 128)),
                edit("missing hidden_size", "hidden_size", j -> j.remove("hidden_size")),
                edit("missing intermediate_size", "intermediate_size", j -> j.remove("intermediate_size")),
                edit("missing num_hidden_layers", "num_hidden_layers", j -> j.remove("num_hidden_layers")),
                edit("missing vocab_size", "vocab_size", j -> j.remove("vocab_size")),
                edit("null hidden_size", "hidden_size", j -> j.add("hidden_size", JsonNull.INSTANCE)),
                edit("fractional hidden_size", "hidden_size", j -> j.addProperty("hidden_size", 64.5)),
                edit("string hidden_size", "hidden_size", j -> j.addProperty("hidden_size", "64")),
                edit("list hidden_size", "hidden_size", j -> j.add("hidden_size", new JsonArray())),
                edit("hidden_size beyond int", "hidden_size", j -> j.addProperty("hidden_size", 4_294_967_296L)),
                edit("string rms_norm_eps", "rms_norm_eps", j -> j.addProperty("rms_norm_eps", "1e-5")),
                edit("string tie_word_embeddings", "tie_word_embeddings",
                        j -> j.addProperty("tie_word_embeddings", "false")),
                edit("string eos", "eos_token_id", j -> j.addProperty("eos_token_id", "2")),
                edit("negative hidden_size", "hidden_size", j -> j.addProperty("hidden_size", -2048)),
                edit("negative intermediate_size", "intermediate_size", j -> j.addProperty("intermediate_size", -1)),
                edit("negative num_hidden_layers", "num_hidden_layers", j -> j.addProperty("num_hidden_layers", -22)),
                edit("zero num_hidden_layers", "num_hidden_layers", j -> j.addProperty("num_hidden_layers", 0)),
                edit("negative num_attention_heads", "num_attention_heads",
                        j -> j.addProperty("num_attention_heads", -32)),
                edit("zero num_key_value_heads", "num_key_value_heads", j -> j.addProperty("num_key_value_heads", 0)),
                edit("negative num_key_value_heads", "num_key_value_heads",
                        j -> j.addProperty("num_key_value_heads", -4)),
                edit("negative vocab_size", "vocab_size", j -> j.addProperty("vocab_size", -32000)),
                edit("negative max_position_embeddings", "max_position_embeddings",
                        j -> j.addProperty("max_position_embeddings", -1)),
                edit("negative rms_norm_eps", "rms_norm_eps", j -> j.addProperty("rms_norm_eps", -1e-5)),
                edit("zero rms_norm_eps", "rms_norm_eps", j -> j.addProperty("rms_norm_eps", 0)),
                edit("negative rope_theta", "rope_theta", j -> j.addProperty("rope_theta", -10000.0)),
                edit("negative bos", "bos_token_id", j -> j.addProperty("bos_token_id", -1)),
                edit("negative eos", "eos_token_id", j -> j.addProperty("eos_token_id", -1)),
                edit("eos outside vocab", "eos_token_id", j -> j.addProperty("eos_token_id", 32000)),
                edit("eos list entry outside vocab", "eos_token_id",
                        j -> j.add("eos_token_id", JsonParser.parseString("[2, 40000]"))),
                edit("bos outside vocab", "bos_token_id", j -> j.addProperty("bos_token_id", 32000)),
                edit("mistral", "model_type", j -> j.addProperty("model_type", "mistral")),
                edit("gelu", "hidden_act", j -> j.addProperty("hidden_act", "gelu")),
                edit("attention bias", "attention_bias", j -> j.addProperty("attention_bias", true)),
                edit("mlp bias", "mlp_bias", j -> j.addProperty("mlp_bias", true)),
                edit("fractional eos", "eos_token_id", j -> j.addProperty("eos_token_id", 2.5)),
                edit("eos beyond int", "eos_token_id", j -> j.addProperty("eos_token_id", 4_294_967_298L)),
                edit("huge eos", "eos_token_id", j -> j.addProperty("eos_token_id", 1e30)),
                edit("empty eos list", "eos_token_id", j -> j.add("eos_token_id", new JsonArray())),
                edit("string rope scaling factor", "rope_scaling.factor",
                        j -> j.add("rope_scaling", JsonParser.parseString("{\"type\": \"linear\", \"factor\": \"2\"}"))),
                edit("dynamic rope scaling", "rope_scaling",
                        j -> j.add("rope_scaling", JsonParser.parseString("{\"type\": \"dynamic\", \"factor\": 2.0}"))),
                edit("llama3 rope scaling", "rope_scaling",
                        j -> j.add("rope_scaling", JsonParser.parseString("{\"rope_type\": \"llama3\", \"factor\": 8}"))),
                edit("rope scaling factor below 1", "rope_scaling",
                        j -> j.add("rope_scaling", JsonParser.parseString("{\"type\": \"linear\", \"factor\": 0.5}"))),
                edit("rope scaling not an object", "rope_scaling", j -> j.addProperty("rope_scaling", 2.0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void inconsistentOrMalformedFieldsAreRefusedNamingFileAndField(String what, String field,
            Consumer<JsonObject> edit) {
        ConfigException e = assertThrows(ConfigException.class, () -> loadEdited(edit), what);
        assertTrue(e.getMessage().contains(configFile().toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(field), "names " + field + ": " + e.getMessage());
    }

    /** Text that is not a JSON object; the message names the file and says what is wrong with it. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"hidden_size\": 2048,", "{\"hidden_size\": 2048}}", "{\"hidden_size\" 2048}",
        "[1, 2]", "\"llama\"", "42", ""})
    void textThatIsNoJsonObjectIsRefusedNamingTheFile(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> loadText(text));
        assertTrue(e.getMessage().contains(configFile().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("JSON"), e.getMessage());
    }

    @Test
    void missingFileIsRefusedNamingThePath() {
        ConfigException e = assertThrows(ConfigException.class, () -> LlamaConfig.load(dir));
        assertTrue(e.getMessage().contains(configFile().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void directoryInPlaceOfTheFileIsRefusedNamingThePath() throws IOException {
        Files.createDirectory(configFile());
        ConfigException e = assertThrows(ConfigException.class, () -> LlamaConfig.load(dir));
        assertTrue(e.getMessage().contains(configFile().toString()), e.getMessage());
    }

    // ---------------------------------------------------------------- generation_config.json

    @Test
    void absentGenerationConfigIsNone() throws IOException {
        assertSame(GenerationDefaults.NONE, GenerationDefaults.load(dir));
    }

    /** TinyLlama-1.1B-Chat-v1.0's generation_config.json: only token ids and max_length. */
    @Test
    void releasedGenerationConfigGivesItsEosAndDefaultsElsewhere() throws IOException {
        Files.writeString(dir.resolve(GenerationDefaults.FILE_NAME), """
                {
                  "bos_token_id": 1,
                  "eos_token_id": 2,
                  "max_length": 2048,
                  "pad_token_id": 0,
                  "transformers_version": "4.35.0"
                }
                """);
        assertEquals(new GenerationDefaults(List.of(2), 0, false, 1, 0, 1, 1), GenerationDefaults.load(dir));
    }

    @Test
    void generationValuesAreRead() throws IOException {
        Files.writeString(dir.resolve(GenerationDefaults.FILE_NAME), """
                {"eos_token_id": [2, 32000], "max_new_tokens": 256, "do_sample": true, "temperature": 0.7,
                 "top_k": 50, "top_p": 0.9, "repetition_penalty": 1.1}
                """);
        assertEquals(new GenerationDefaults(List.of(2, 32000), 256, true, 0.7, 50, 0.9, 1.1),
                GenerationDefaults.load(dir));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"eos_token_id\": 2,", "[2]", "{\"temperature\": \"hot\"}", "{\"do_sample\": 1}",
        "{\"top_k\": 0.5}", "{\"eos_token_id\": [2, \"x\"]}", "{\"eos_token_id\": 2.5}", "{\"temperature\": -3}",
        "{\"top_p\": 7}", "{\"top_p\": 0}", "{\"max_new_tokens\": -5}", "{\"top_k\": -1}", "{\"repetition_penalty\": 0}"})
    void malformedGenerationConfigIsRefusedNamingTheFile(String text) throws IOException {
        Path file = Files.writeString(dir.resolve(GenerationDefaults.FILE_NAME), text);
        ConfigException e = assertThrows(ConfigException.class, () -> GenerationDefaults.load(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
