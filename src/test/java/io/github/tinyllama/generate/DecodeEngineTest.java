package io.github.tinyllama.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;
import io.github.tinyllama.weights.ComputeType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/** Switching a {@link LanguageModel} between the Blocks and the scripted step, and int8 weights. */
class DecodeEngineTest {

    @TempDir
    static Path dir;

    @Test
    void scriptedGenerationWithAndWithoutSpeculationMatchesTheBlocksAndTheReference() throws IOException {
        Fixtures fixture = Fixtures.GQA3_TIED_F32;
        long[] prompt = Goldens.longs(Goldens.of(fixture), "prompt");
        long[] reference = Goldens.longs(Goldens.of(fixture), "greedy");
        GenerationConfig plain = GenerationConfig.builder().optMaxNewTokens(reference.length).optIgnoreEos(true).build();
        GenerationConfig speculative = GenerationConfig.builder().optMaxNewTokens(reference.length).optIgnoreEos(true)
                .optSpeculation(new Speculation(1, 4)).build();
        try (LanguageModel lm = LanguageModel.load(fixture.write(dir.resolve("m")), DataType.FLOAT32, null, b -> {})) {
            assertEquals(DecodeEngine.BLOCKS, lm.scriptedStep().isPresent() ? DecodeEngine.SCRIPT : DecodeEngine.BLOCKS);
            long[] blocks = lm.generate(prompt, plain, id -> true).ids();
            lm.useEngine(DecodeEngine.SCRIPT);
            assertEquals(ScriptedStep.Kind.FLOAT32, lm.scriptedStep().orElseThrow().kind());
            assertArrayEquals(reference, blocks);
            assertArrayEquals(reference, lm.generate(prompt, plain, id -> true).ids());
            assertArrayEquals(reference, lm.generate(prompt, speculative, id -> true).ids());
            lm.useEngine(DecodeEngine.BLOCKS);
            assertTrue(lm.scriptedStep().isEmpty());
        }
    }

    @Test
    void int8WeightsDecodeThroughTheScriptOnly() throws IOException {
        Fixtures fixture = Fixtures.GQA4_BF16;
        long[] prompt = Goldens.longs(Goldens.of(fixture), "prompt");
        try (LanguageModel lm = LanguageModel.load(fixture.write(dir.resolve("q")), null, ComputeType.INT8, null,
                b -> {})) {
            ScriptedStep step = lm.scriptedStep().orElseThrow();
            assertEquals(ScriptedStep.Kind.INT8, step.kind());
            assertTrue(step.ownedBytes() > 0, "int8 copies are the module's own");
            assertEquals(6, lm.generate(prompt, GenerationConfig.builder().optMaxNewTokens(6).optIgnoreEos(true).build(),
                    id -> true).ids().length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lm.useEngine(DecodeEngine.BLOCKS));
            assertTrue(e.getMessage().contains("script engine"), e.getMessage());
        }
    }
}
