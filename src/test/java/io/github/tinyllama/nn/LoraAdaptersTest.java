package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.github.tinyllama.checkpoint.CheckpointFormatException;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.PeftLoraConfig;
import io.github.tinyllama.checkpoint.SafetensorsFile;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.testing.Goldens;
import io.github.tinyllama.weights.LoraAdapters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** PEFT adapter directories: written with PEFT's names, read back bit for bit, PEFT-written ones give the reference. */
class LoraAdaptersTest {

    /** As for the base model's numerics (see {@code LlamaNetworkNumericsTest}): float32 against the float64 reference. */
    private static final double TOLERANCE = 1e-4;
    private static final String COMMITTED = "/lora/peft-odd/";

    @TempDir
    Path tmp;

    @org.junit.jupiter.api.BeforeAll
    static void fixtureDirectory(@TempDir Path dir) {
        LoraTest.dir = dir;
    }

    static Stream<Arguments> loadings() {
        return Stream.of(Arguments.of(false, false), Arguments.of(true, false), Arguments.of(false, true),
                Arguments.of(true, true));
    }

    @ParameterizedTest(name = "stacked={0} merged={1}")
    @MethodSource("loadings")
    void peftWrittenAdapterGivesTheReferenceOutput(boolean stacked, boolean merged) throws IOException {
        Path adapter = committedAdapter();
        JsonObject golden = golden();
        try (LoadedModel m = LoraTest.load(stacked, DataType.FLOAT32)) {
            LoraSettings settings = merged
                    ? LoraAdapters.merge(m.block, adapter, m.model.getNDManager())
                    : LoraAdapters.load(m.block, adapter, m.model.getNDManager());
            assertEquals(new LoraSettings(4, 8, 0.05f, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.O,
                    LoraTarget.GATE, LoraTarget.DOWN)), settings);
            assertEquals(!merged, m.block.lora().isPresent());
            long[] ids = Goldens.longs(golden, "ids");
            double[] nll = Goldens.doubles(golden, "nll");
            float[] logits = m.logits(ids, false);
            int vocab = logits.length / ids.length;
            for (int i = 0; i + 1 < ids.length; i++) {
                double lp = logSoftmax(logits, i * vocab, vocab)[(int) ids[i + 1]];
                assertEquals(nll[i], -lp, TOLERANCE, "position " + i);
            }
            long[] prompt = Goldens.longs(golden, "prompt");
            float[] last = m.logits(prompt, false);
            double[] expected = Goldens.doubles(golden, "logits_last");
            for (int v = 0; v < vocab; v++) {
                assertEquals(expected[v], last[(prompt.length - 1) * vocab + v], TOLERANCE, "logit " + v);
            }
        }
    }

    @Test
    void saveAndLoadRoundTripBitForBitWithPeftNames() throws IOException {
        Path out = tmp.resolve("adapter");
        Set<LoraTarget> targets = EnumSet.of(LoraTarget.K, LoraTarget.UP, LoraTarget.DOWN);
        try (LoadedModel a = LoraTest.load(false, DataType.FLOAT32);
                LoadedModel b = LoraTest.load(true, DataType.FLOAT32)) {
            a.block.addLora(new LoraSettings(6, 12, 0.1f, targets), a.model.getNDManager());
            LoraTest.randomise(a.block, 21);
            LoraAdapters.save(a.block, out, "TinyLlama/TinyLlama-1.1B-Chat-v1.0");

            Set<String> expectedNames = new LinkedHashSet<>();
            for (int layer = 0; layer < 3; layer++) {
                for (String module : List.of("self_attn.k_proj", "mlp.up_proj", "mlp.down_proj")) {
                    for (String ab : List.of("A", "B")) {
                        expectedNames.add("base_model.model.model.layers." + layer + "." + module + ".lora_" + ab
                                + ".weight");
                    }
                }
            }
            try (SafetensorsFile file = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
                assertEquals(expectedNames, Set.copyOf(file.tensors().keySet()));
                file.tensors().values().forEach(t -> assertEquals(DType.F32, t.dtype(), t.name()));
            }
            JsonObject config = JsonParser.parseString(Files.readString(out.resolve("adapter_config.json")))
                    .getAsJsonObject();
            assertEquals(peftConfigKeys(), new ArrayList<>(config.keySet()), "PEFT's fields, sorted as PEFT sorts them");
            assertEquals(new JsonPrimitive("LORA"), config.get("peft_type"));
            assertEquals(new JsonPrimitive("CAUSAL_LM"), config.get("task_type"));
            assertEquals("6", config.get("r").toString());
            assertEquals("12", config.get("lora_alpha").toString());
            assertEquals("0.1", config.get("lora_dropout").toString());
            assertEquals(JsonParser.parseString("[\"k_proj\",\"up_proj\",\"down_proj\"]"), config.get("target_modules"));
            assertEquals(new JsonPrimitive("TinyLlama/TinyLlama-1.1B-Chat-v1.0"), config.get("base_model_name_or_path"));
            assertEquals(JsonNull.INSTANCE, config.get("modules_to_save"));

            assertEquals(new LoraSettings(6, 12, 0.1f, targets), LoraAdapters.load(b.block, out, b.model.getNDManager()));
            Map<String, Parameter> written = a.block.loraParametersByName();
            Map<String, Parameter> read = b.block.loraParametersByName();
            assertEquals(written.keySet(), read.keySet());
            for (String name : written.keySet()) {
                assertBitsEqual(written.get(name).getArray(), read.get(name).getArray(), name);
            }
            float[] expected = a.logits(new long[] {1, 5, 9, 77}, false);
            float[] actual = b.logits(new long[] {1, 5, 9, 77}, false);
            assertTrue(LoraTest.maxDifference(expected, actual) < 1e-5, "same adapter, same output");
        }
    }

    /** A field of {@code adapter_config.json} set to a value this reader refuses, and words its message must hold. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "use_dora|true|DoRA",
        "use_rslora|true|rank-stabilised",
        "bias|\"all\"|biases",
        "fan_in_fan_out|true|transposed",
        "lora_bias|true|biases",
        "modules_to_save|[\"lm_head\"]|plain LoRA",
        "rank_pattern|{\"q_proj\": 16}|plain LoRA",
        "alpha_pattern|{\"q_proj\": 32}|plain LoRA",
        "layers_to_transform|[0, 1]|plain LoRA",
        "peft_type|\"IA3\"|only LoRA",
        "task_type|\"SEQ_CLS\"|causal language model",
        "target_modules|\".*self_attn.*_proj$\"|regular expression",
        "target_modules|[\"q_proj\", \"lm_head\"]|'lm_head'",
        "target_modules|[]|empty",
        "r|0|positive integer",
        "r|2.5|positive integer",
        "lora_alpha|\"sixteen\"|not a number",
        "lora_dropout|1.5|outside",
        "init_lora_weights|\"pissa\"|modified at",
    })
    void unsupportedConfigurationsAreRefusedNamingFileAndField(String field, String value, String words)
            throws IOException {
        Path dir = copyOfCommittedAdapter();
        Path configFile = dir.resolve("adapter_config.json");
        JsonObject config = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
        config.add(field, JsonParser.parseString(value));
        Files.writeString(configFile, config.toString());
        try (LoadedModel m = LoraTest.load(false, DataType.FLOAT32)) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> LoraAdapters.load(m.block, dir, m.model.getNDManager()));
            assertTrue(e.getMessage().startsWith(configFile.toString() + ": field '" + field + "'"), e.getMessage());
            assertTrue(e.getMessage().contains(words), e.getMessage());
            assertTrue(m.block.lora().isEmpty(), "a refused adapter must leave the model unchanged");
        }
    }

    @Test
    void brokenDirectoriesAreRefusedNamingTheFile() throws IOException {
        try (LoadedModel m = LoraTest.load(false, DataType.FLOAT32)) {
            Path empty = Files.createDirectories(tmp.resolve("empty"));
            assertMessage(m, empty, "adapter_config.json: file not found");
            assertMessage(m, tmp.resolve("absent"), "not a directory");

            Path notJson = copyOfCommittedAdapter();
            Files.writeString(notJson.resolve("adapter_config.json"), "{\"r\": 8,");
            assertMessage(m, notJson, "adapter_config.json: not valid JSON");

            Path noWeights = copyOfCommittedAdapter();
            Files.delete(noWeights.resolve("adapter_model.safetensors"));
            assertMessage(m, noWeights, "no adapter_model.safetensors");
        }
    }

    @Test
    void tensorsThatDoNotFitTheModelAreRefusedByName() throws IOException {
        Path committed = committedAdapter();
        try (LoadedModel m = LoraTest.load(false, DataType.FLOAT32);
                SafetensorsFile original = SafetensorsFile.open(committed.resolve("adapter_model.safetensors"))) {
            String qa = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";

            Path missing = withTensors(original, t -> !t.name().equals(qa), List.of());
            assertMessage(m, missing, "adapter_model.safetensors: missing tensor '" + qa + "'");

            Path extra = withTensors(original, t -> true,
                    List.of(floats("base_model.model.lm_head.lora_A.weight", 4, 96)));
            assertMessage(m, extra, "tensor 'base_model.model.lm_head.lora_A.weight' does not belong");

            Path unprefixed = withTensors(original, t -> true,
                    List.of(floats("model.layers.0.mlp.up_proj.lora_A.weight", 4, 96)));
            assertMessage(m, unprefixed, "tensor 'model.layers.0.mlp.up_proj.lora_A.weight' is not under PEFT's");

            // An adapter of the same rank for a model of hidden size 64 instead of 96.
            Path otherBase = withTensors(original, t -> !t.name().equals(qa), List.of(floats(qa, 4, 64)));
            assertMessage(m, otherBase, "tensor '" + qa + "' has shape [4, 64] but this model needs (4, 96)");
        }
    }

    @Test
    void targetModulesTranslateAsPeftMatchesThem() throws IOException {
        Path file = Path.of("adapter_config.json");
        assertEquals(EnumSet.allOf(LoraTarget.class), LoraAdapters.settings(
                new PeftLoraConfig(8, 16, 0, List.of("all-linear"), null), file).targets());
        assertEquals(EnumSet.of(LoraTarget.Q, LoraTarget.DOWN), LoraAdapters.settings(
                new PeftLoraConfig(8, 16, 0, List.of("self_attn.q_proj", "down_proj"), null), file).targets());
        Path dir = copyOfCommittedAdapter();
        JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("adapter_config.json")))
                .getAsJsonObject();
        config.add("target_modules", new JsonPrimitive("all-linear"));
        Files.writeString(dir.resolve("adapter_config.json"), config.toString());
        assertEquals(List.of("all-linear"), PeftLoraConfig.read(dir.resolve("adapter_config.json")).targetModules());
    }

    private void assertMessage(LoadedModel m, Path dir, String words) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> LoraAdapters.load(m.block, dir, m.model.getNDManager()));
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertTrue(m.block.lora().isEmpty(), "a refused adapter must leave the model unchanged");
    }

    private Path withTensors(SafetensorsFile original, java.util.function.Predicate<io.github.tinyllama.checkpoint.TensorInfo> keep,
            List<TensorSource> added) throws IOException {
        Path dir = copyOfCommittedAdapter();
        List<TensorSource> tensors = new ArrayList<>();
        for (var info : original.tensors().values()) {
            if (keep.test(info)) {
                ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(info.numel() * 4)).order(ByteOrder.LITTLE_ENDIAN);
                original.readInto(info.name(), DType.F32, bytes);
                tensors.add(TensorSource.of(info.name(), DType.F32, info.shape(), bytes));
            }
        }
        tensors.addAll(added);
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), Map.of("format", "pt"), tensors);
        return dir;
    }

    private static TensorSource floats(String name, int rows, int columns) {
        ByteBuffer bytes = ByteBuffer.allocate(rows * columns * 4).order(ByteOrder.LITTLE_ENDIAN);
        return TensorSource.of(name, DType.F32, new long[] {rows, columns}, bytes);
    }

    private Path copyOfCommittedAdapter() throws IOException {
        Path dir = Files.createTempDirectory(tmp, "adapter");
        for (String name : List.of("adapter_config.json", "adapter_model.safetensors")) {
            try (InputStream in = LoraAdaptersTest.class.getResourceAsStream(COMMITTED + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
        return dir;
    }

    private Path committedAdapter() throws IOException {
        return copyOfCommittedAdapter();
    }

    private static JsonObject golden() throws IOException {
        try (InputStream in = LoraAdaptersTest.class.getResourceAsStream("/goldens/peft_odd_merged.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** The fields PEFT's LoraConfig writes that matter to a plain LoRA adapter, in {@code sort_keys} order. */
    private static List<String> peftConfigKeys() {
        return List.of("alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out",
                "inference_mode", "init_lora_weights", "layers_pattern", "layers_to_transform", "lora_alpha",
                "lora_dropout", "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules",
                "task_type", "use_dora", "use_rslora");
    }

    private static void assertBitsEqual(NDArray expected, NDArray actual, String name) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        assertEquals(e.length, a.length, name);
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), name + "[" + i + "]");
        }
    }

    static double[] logSoftmax(float[] logits, int from, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, logits[from + i]);
        }
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += Math.exp(logits[from + i] - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = logits[from + i] - log;
        }
        return out;
    }
}
