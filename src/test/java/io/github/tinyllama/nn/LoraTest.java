package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** LoRA adapters on the model: neutral at initialisation, merge-exact, trainable alone, dropout only in training. */
class LoraTest {

    /**
     * Adapted and merged forward passes do the same float32 arithmetic grouped differently
     * ({@code xWᵀ + s·(xAᵀ)Bᵀ} against {@code x(W + s·BA)ᵀ}): each logit differs by float32 rounding
     * of sums over at most 250 terms through 3 layers: at most 3.4e-6 here over 11 seeds, stacked and
     * not, with adapters that move logits by about 3 (logits of order 1 to 10). 1e-5 is the bound the
     * issue sets; an adapter left out or scaled wrongly moves logits by tenths (checked below).
     */
    private static final float MERGE_TOLERANCE = 1e-5f;
    private static final Fixtures FIXTURE = Fixtures.MKCKPT_GQA2_SHARDED;
    private static final long[] IDS = {1, 17, 45, 3, 99, 120, 64, 8, 33, 77, 5, 2};

    @TempDir
    static Path dir;

    static Stream<Arguments> loadings() {
        return Stream.of(Arguments.of(false, DataType.FLOAT32), Arguments.of(true, DataType.FLOAT32),
                Arguments.of(true, DataType.FLOAT16));
    }

    @ParameterizedTest
    @MethodSource("loadings")
    void freshAdaptersLeaveTheOutputUnchanged(boolean stacked, DataType type) throws IOException {
        try (LoadedModel base = load(stacked, type); LoadedModel adapted = load(stacked, type)) {
            adapted.block.addLora(all(8, 16, 0.1f), adapted.model.getNDManager());
            float[] expected = base.logits(IDS, false);
            float[] actual = adapted.logits(IDS, false);
            if (stacked) {
                // The base multiplies by stacked q/k/v and gate/up matrices, the adapted model by each
                // separately: the same sums, blocked differently by the GEMM, so rounding may differ.
                assertArrayEquals(expected, actual, MERGE_TOLERANCE);
            } else {
                // B = 0 adds exact zeros.
                assertArrayEquals(expected, actual, 0f);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("loadings")
    void mergedWeightsGiveTheAdaptedOutput(boolean stacked, DataType type) throws IOException {
        try (LoadedModel base = load(stacked, type); LoadedModel m = load(stacked, type)) {
            m.logits(IDS, false); // builds the rotary tables, which the model keeps
            int arrays = m.model.getNDManager().getManagedArrays().size();
            m.block.addLora(all(4, 8, 0), m.model.getNDManager());
            randomise(m.block, 5);
            float[] adapted = m.logits(IDS, false);
            assertTrue(maxDifference(base.logits(IDS, false), adapted) > 0.1,
                    "the adapter must change the output for this test to mean anything");
            m.block.mergeLora();
            assertTrue(m.block.lora().isEmpty());
            assertTrue(m.block.loraParametersByName().isEmpty());
            assertEquals(arrays, m.model.getNDManager().getManagedArrays().size(),
                    "merging must free the adapters and every intermediate");
            float[] merged = m.logits(IDS, false);
            // float16 weights round the merged sum W + sBA to 11 significant bits (the unmerged pass
            // keeps sBA in float32); with these large adapters that moves logits by 0.006 here
            // (0.025 with adapters twice as large), against 0.003 for the base model's own float16 rounding.
            float tolerance = type == DataType.FLOAT16 ? 5e-2f : MERGE_TOLERANCE;
            assertArrayEquals(adapted, merged, tolerance);
        }
    }

    @Test
    void mergingAfterTrainingKeepsEachWeightsGradientSetting() throws IOException {
        try (LoadedModel m = load(false, DataType.FLOAT32)) {
            m.block.parametersByName().values().forEach(p -> p.getArray().setRequiresGradient(true));
            m.block.addLora(all(4, 8, 0), m.model.getNDManager());
            randomise(m.block, 6);
            m.block.loraParametersByName().values().forEach(p -> p.getArray().setRequiresGradient(true));
            float[] adapted = m.logits(IDS, false);
            m.block.mergeLora();
            assertArrayEquals(adapted, m.logits(IDS, false), MERGE_TOLERANCE);
            backward(m);
            for (Parameter p : m.block.parametersByName().values()) {
                assertTrue(p.getArray().hasGradient(), p.getName() + " no longer wants gradients");
                // A weight turned into a non-leaf by the merge would never receive its gradient.
                assertTrue(p.getArray().getGradient().abs().sum().getFloat() > 0, p.getName() + " got no gradient");
            }
        }
    }

    @Test
    void stackedMatricesDoNotHideAdapters() throws IOException {
        try (LoadedModel separate = load(false, DataType.FLOAT32); LoadedModel stacked = load(true, DataType.FLOAT32)) {
            for (LoadedModel m : List.of(separate, stacked)) {
                m.block.addLora(all(4, 8, 0), m.model.getNDManager());
                randomise(m.block, 9);
            }
            assertArrayEquals(separate.logits(IDS, false), stacked.logits(IDS, false), MERGE_TOLERANCE);
        }
    }

    @Test
    void onlyAdaptersGetGradientsWhenTheBaseIsFrozen() throws IOException {
        try (LoadedModel m = load(false, DataType.FLOAT32)) {
            m.block.addLora(new LoraSettings(4, 8, 0.1f, EnumSet.of(LoraTarget.Q, LoraTarget.DOWN)),
                    m.model.getNDManager());
            randomise(m.block, 3);
            // As after full training or a DJL Trainer's initialisation: every base weight wants gradients.
            m.block.parametersByName().values().forEach(p -> p.getArray().setRequiresGradient(true));
            m.block.freezeBase();
            backward(m);
            for (Parameter p : m.block.parametersByName().values()) {
                assertFalse(p.requiresGradient(), p.getName());
                assertFalse(p.getArray().hasGradient(), p.getName() + " is frozen yet wants gradients");
            }
            Map<String, Parameter> adapters = m.block.loraParametersByName();
            assertEquals(3 * 2 * 2, adapters.size());
            for (Map.Entry<String, Parameter> e : adapters.entrySet()) {
                assertTrue(e.getValue().requiresGradient(), e.getKey());
                float norm = e.getValue().getArray().getGradient().norm().getFloat();
                assertTrue(norm > 0, e.getKey() + " got no gradient");
            }
        }
    }

    @Test
    void dropoutActsOnlyWhileTraining() throws IOException {
        try (LoadedModel m = load(false, DataType.FLOAT32)) {
            m.block.addLora(all(4, 8, 0.5f), m.model.getNDManager());
            randomise(m.block, 4);
            float[] first = m.logits(IDS, false);
            assertArrayEquals(first, m.logits(IDS, false), 0f, "inference must be deterministic");
            Engine.getInstance().setRandomSeed(1);
            float[] trainingA = m.logits(IDS, true);
            Engine.getInstance().setRandomSeed(2);
            float[] trainingB = m.logits(IDS, true);
            assertTrue(maxDifference(first, trainingA) > 1e-3, "dropout 0.5 must change training outputs");
            assertTrue(maxDifference(trainingA, trainingB) > 1e-3, "dropout masks must differ between draws");
        }
    }

    @Test
    void adapterNamesAndShapesFollowPeft() throws IOException {
        try (LoadedModel m = load(true, DataType.FLOAT32)) {
            Set<String> baseNames = Set.copyOf(m.block.parametersByName().keySet());
            m.block.addLora(new LoraSettings(8, 16, 0, EnumSet.of(LoraTarget.K, LoraTarget.UP)), m.model.getNDManager());
            assertEquals(baseNames, m.block.parametersByName().keySet(), "the checkpoint table must stay the base's");
            Map<String, Parameter> lora = m.block.loraParametersByName();
            // hidden 96, 3 kv heads of 16, intermediate 250
            assertEquals(new Shape(8, 96), shape(lora, "model.layers.0.self_attn.k_proj.lora_A.weight"));
            assertEquals(new Shape(48, 8), shape(lora, "model.layers.0.self_attn.k_proj.lora_B.weight"));
            assertEquals(new Shape(8, 96), shape(lora, "model.layers.2.mlp.up_proj.lora_A.weight"));
            assertEquals(new Shape(250, 8), shape(lora, "model.layers.2.mlp.up_proj.lora_B.weight"));
            assertEquals(3 * 2 * 2, lora.size());
            assertTrue(m.block.getParameters().keys().stream().anyMatch(k -> k.endsWith("k_proj.lora_A.weight")),
                    "a DJL Trainer must see the adapters among the block's parameters");
        }
    }

    @Test
    void initialisationFollowsPeftAndTheEngineSeed() throws IOException {
        try (LoadedModel one = load(false, DataType.FLOAT32); LoadedModel two = load(false, DataType.FLOAT32)) {
            Engine.getInstance().setRandomSeed(42);
            one.block.addLora(all(8, 16, 0), one.model.getNDManager());
            Engine.getInstance().setRandomSeed(42);
            two.block.addLora(all(8, 16, 0), two.model.getNDManager());
            for (String name : one.block.loraParametersByName().keySet()) {
                NDArray a = one.block.loraParametersByName().get(name).getArray();
                assertArrayEquals(a.toFloatArray(), two.block.loraParametersByName().get(name).getArray().toFloatArray(),
                        0f, name + " differs under the same seed");
                if (name.contains("lora_B")) {
                    assertEquals(0f, a.abs().max().getFloat(), name);
                } else {
                    // kaiming_uniform_(a=√5) on [r, in] is U(-1/√in, 1/√in); 768+ draws come near the bound.
                    double bound = 1 / Math.sqrt(a.getShape().get(1));
                    float max = a.abs().max().getFloat();
                    assertTrue(max <= bound && max > 0.9 * bound, name + ": max |A| " + max + ", bound " + bound);
                }
            }
        }
    }

    @Test
    void misuseIsRefused() throws IOException {
        try (LoadedModel m = load(false, DataType.FLOAT32)) {
            assertThrows(IllegalStateException.class, m.block::mergeLora);
            m.block.addLora(LoraSettings.defaults(), m.model.getNDManager());
            assertThrows(IllegalStateException.class, () -> m.block.addLora(LoraSettings.defaults(),
                    m.model.getNDManager()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"q", "Q", "q_proj", "Q_PROJ", " q "})
    void targetsParseByShortOrModuleName(String name) {
        assertEquals(LoraTarget.Q, LoraTarget.parse(name));
    }

    @Test
    void targetListsAndSettingsAreChecked() {
        assertEquals(EnumSet.of(LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN), LoraTarget.parseAll("gate,up_proj,down"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraTarget.parse("qkv"));
        assertTrue(e.getMessage().contains("'qkv'") && e.getMessage().contains("gate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraTarget.parseAll(" , "));
        Set<LoraTarget> q = EnumSet.of(LoraTarget.Q);
        assertThrows(IllegalArgumentException.class, () -> new LoraSettings(0, 16, 0, q));
        assertThrows(IllegalArgumentException.class, () -> new LoraSettings(8, 0, 0, q));
        assertThrows(IllegalArgumentException.class, () -> new LoraSettings(8, 16, 1, q));
        assertThrows(IllegalArgumentException.class, () -> new LoraSettings(8, 16, 0, Set.of()));
        LoraSettings d = LoraSettings.defaults();
        assertEquals(2f, d.scale());
        assertEquals(EnumSet.of(LoraTarget.Q, LoraTarget.V), d.targets());
        assertEquals(0.05f, d.dropout());
    }

    static LoraSettings all(int rank, float alpha, float dropout) {
        return new LoraSettings(rank, alpha, dropout, EnumSet.allOf(LoraTarget.class));
    }

    /** Gives every adapter weight a seeded random value, N(0, 0.1): large enough to move logits by about 3. */
    static void randomise(LlamaNetwork block, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        for (Parameter p : block.loraParametersByName().values()) {
            NDArray array = p.getArray();
            try (NDArray r = array.getManager().randomNormal(0, 0.1f, array.getShape(), DataType.FLOAT32)) {
                array.set(r.toByteBuffer());
            }
        }
    }

    /** One training forward pass and the backward pass of a loss (every position's -log P(token 7)). */
    private static void backward(LoadedModel m) {
        try (NDManager step = m.model.getNDManager().newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray logits = m.block.forward(new ParameterStore(step, false),
                    step.create(IDS).reshape(1, IDS.length), null, false, true);
            collector.backward(logits.logSoftmax(-1).get(":, :, 7").sum().neg());
        }
    }

    private static Shape shape(Map<String, Parameter> parameters, String name) {
        assertTrue(parameters.containsKey(name), name + " missing from " + parameters.keySet());
        return parameters.get(name).getArray().getShape();
    }

    static float maxDifference(float[] a, float[] b) {
        float worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /** The committed independent fixture, loaded into a DJL model. */
    static LoadedModel load(boolean stacked, DataType type) throws IOException {
        return LoadedModel.of(FIXTURE, dir, stacked, type);
    }
}
