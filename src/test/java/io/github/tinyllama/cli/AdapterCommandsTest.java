package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.weights.LoraAdapters;
import io.github.tinyllama.nn.LoraSettings;
import io.github.tinyllama.nn.LoraTarget;
import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;
import io.github.tinyllama.zoo.HubClient;
import io.github.tinyllama.zoo.ModelLocator;
import io.github.tinyllama.zoo.TinyLlamaBlockFactory;
import io.github.tinyllama.zoo.TinyLlamaTranslatorFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

/** {@code --adapter} on the model commands, the Java API and Criteria, and {@code merge-adapter}. */
class AdapterCommandsTest {

    private static final String IDS = "1,300,52,1200,7,99,4000,18,640,2";

    @TempDir
    static Path tmp;
    private static Path nano;
    private static Path adapter;

    @BeforeAll
    static void writeAdapter() throws IOException {
        nano = ModelLocator.locate("tinyllama-nano", HubClient.builder().optOffline(true).build(), null);
        adapter = tmp.resolve("nano-adapter");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaNetwork model = new LlamaNetwork(LlamaConfig.load(nano));
            Engine.getInstance().setRandomSeed(31);
            model.addLora(new LoraSettings(8, 16, 0.05f, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.UP)),
                    manager);
            for (var p : model.loraParametersByName().values()) {
                NDArray array = p.getArray();
                array.set(manager.randomNormal(0, 0.05f, array.getShape(), DataType.FLOAT32).toByteBuffer());
            }
            LoraAdapters.save(model, adapter, "tinyllama-nano");
        }
    }

    @Test
    void scoringWithAnAdapterEqualsScoringTheMergedCheckpoint() throws IOException {
        Path merged = tmp.resolve("merged-nano");
        CliRun merge = CliRun.of("merge-adapter", "--model", nano.toString(), "--adapter", adapter.toString(),
                "--out", merged.toString());
        assertEquals(0, merge.status(), merge.err());
        assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")), "tokenizer files travel with the weights");
        double[] base = logprobs(CliRun.of("score", "--model", nano.toString(), "--ids", IDS, "--json"));
        double[] adapted = logprobs(CliRun.of("score", "--model", nano.toString(), "--adapter", adapter.toString(),
                "--ids", IDS, "--json"));
        double[] fromMerged = logprobs(CliRun.of("score", "--model", merged.toString(), "--ids", IDS, "--json"));
        double moved = 0;
        for (int i = 1; i < base.length; i++) {
            moved = Math.max(moved, Math.abs(base[i] - adapted[i]));
            // Both merge W + sBA in float32 from the same float32 weights: the same sums.
            assertEquals(adapted[i], fromMerged[i], 1e-6, "position " + i);
        }
        assertTrue(moved > 0.01, "the adapter must change the scores for this test to mean anything: " + moved);
    }

    @Test
    void mergedCheckpointOfAPeftAdapterMatchesTheReference() throws IOException {
        Path base = Fixtures.MKCKPT_GQA2_SHARDED.write(tmp);
        Path peft = tmp.resolve("peft-odd");
        Files.createDirectories(peft);
        for (String name : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
            try (InputStream in = getClass().getResourceAsStream("/lora/peft-odd/" + name)) {
                Files.copy(in, peft.resolve(name));
            }
        }
        Path keptType = tmp.resolve("odd-merged-bf16");
        Path f32 = tmp.resolve("odd-merged-f32");
        assertEquals(0, CliRun.of("merge-adapter", "--model", base.toString(), "--adapter", peft.toString(),
                "--out", keptType.toString()).status());
        CliRun run = CliRun.of("merge-adapter", "--model", base.toString(), "--adapter", peft.toString(),
                "--out", f32.toString(), "--dtype", "f32");
        assertEquals(0, run.status(), run.err());
        try (Checkpoint in = Checkpoint.open(base); Checkpoint bf16 = Checkpoint.open(keptType);
                Checkpoint full = Checkpoint.open(f32)) {
            assertEquals(in.names(), bf16.names());
            assertEquals(DType.BF16, bf16.info("model.layers.0.self_attn.q_proj.weight").dtype());
            assertEquals(DType.F32, full.info("model.layers.0.self_attn.q_proj.weight").dtype());
        }
        assertEquals("float32", JsonParser.parseString(Files.readString(f32.resolve("config.json")))
                .getAsJsonObject().get("torch_dtype").getAsString());
        JsonObject golden;
        try (InputStream in = getClass().getResourceAsStream("/goldens/peft_odd_merged.json")) {
            golden = JsonParser.parseString(new String(in.readAllBytes())).getAsJsonObject();
        }
        long[] ids = Goldens.longs(golden, "ids");
        double[] nll = Goldens.doubles(golden, "nll");
        try (LanguageModel m = LanguageModel.load(f32, DataType.FLOAT32, null, bytes -> {})) {
            double[] lp = m.scorer().score(ids);
            for (int i = 1; i < ids.length; i++) {
                // float32 against the float64 reference, as for the base model's numerics.
                assertEquals(-nll[i - 1], lp[i], 1e-4, "position " + i);
            }
        }
    }

    @Test
    void criteriaArgumentMergesTheAdapterLikeTheJavaApi() throws Exception {
        long[] ids = {1, 300, 52, 1200, 7, 99};
        double[] expected;
        double[] base;
        try (TinyLlama llm = TinyLlama.builder(nano).optAdapter(adapter).load(); TinyLlama plain = TinyLlama.load(nano)) {
            expected = llm.score(ids);
            base = plain.score(ids);
        }
        Criteria<String, String> criteria = Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(nano)
                .optEngine("PyTorch")
                .optArgument("blockFactory", TinyLlamaBlockFactory.class.getName())
                .optArgument("adapter", adapter.toString())
                .optTranslatorFactory(new TinyLlamaTranslatorFactory())
                .optOption("hasParameter", "false")
                .build();
        try (ZooModel<String, String> model = criteria.loadModel()) {
            double[] actual = LanguageModel.of(model, GenerationDefaults.load(nano)).scorer().score(ids);
            for (int i = 1; i < ids.length; i++) {
                assertEquals(expected[i], actual[i], 1e-6, "position " + i);
                assertTrue(Math.abs(base[i] - actual[i]) > 1e-4, "position " + i + " ignores the adapter");
            }
        }
    }

    @Test
    void adaptersForAnotherModelFailWithOneLineNamingTheTensor() throws IOException {
        Path peft = tmp.resolve("odd-adapter-for-nano");
        Files.createDirectories(peft);
        for (String name : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
            try (InputStream in = getClass().getResourceAsStream("/lora/peft-odd/" + name)) {
                Files.copy(in, peft.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        CliRun run = CliRun.of("generate", "--model", nano.toString(), "--adapter", peft.toString(), "Hello");
        assertEquals(1, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("adapter_model.safetensors: tensor 'base_model.model.model.layers.0"
                + ".self_attn.q_proj.lora_A.weight' has shape [4, 96] but this model needs (4, 256)"), run.err());

        CliRun same = CliRun.of("merge-adapter", "--model", nano.toString(), "--adapter", adapter.toString(),
                "--out", nano.toString());
        assertEquals(1, same.status());
        assertTrue(same.err().contains("another directory than its base"), same.err());
    }

    private static double[] logprobs(CliRun run) {
        assertEquals(0, run.status(), run.err());
        return run.json().getAsJsonArray("logprobs").asList().stream()
                .mapToDouble(e -> e.isJsonNull() ? Double.NaN : e.getAsDouble()).toArray();
    }
}
