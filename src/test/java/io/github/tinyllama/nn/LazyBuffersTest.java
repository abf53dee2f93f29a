package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The KV cache and the rotary tables are allocated for what is used and grow on demand (so that a context of
 * 10^9 positions costs nothing up front); growing must not change a single result.
 */
class LazyBuffersTest {

    @TempDir
    static Path dir;

    @Test
    void aGrowingCacheGivesTheLogitsOfAFullyAllocatedOne() throws IOException {
        Fixtures fixture = Fixtures.GQA4_BF16;
        long[] ids = new Random(5).longs(60, 3, fixture.config.vocabSize()).toArray();
        int[] chunks = {3, 1, 1, 5, 7, 1, 16, 2, 24};
        try (LoadedModel m = LoadedModel.of(fixture, dir, true, DataType.FLOAT32);
                KvCache full = new KvCache(fixture.config, 1, 64, m.model.getNDManager().getDevice());
                KvCache growing = new KvCache(fixture.config, 1, 64, m.model.getNDManager().getDevice(), 2)) {
            int at = 0;
            for (int chunk : chunks) {
                long[] input = java.util.Arrays.copyOfRange(ids, at, at + chunk);
                at += chunk;
                // Same values in a larger buffer: only the strides of the cached keys differ, so the sums may
                // round differently in the last bit.
                assertArrayEquals(m.cachedLastLogits(input, full), m.cachedLastLogits(input, growing), 1e-5f,
                        "after " + at + " tokens");
            }
        }
    }

    @Test
    void aCacheLargerThanTheMemoryIsRefusedBeforeAllocating() {
        LlamaConfig config = LlamaConfig.tinyLlama1b();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KvCache(config, 1_000_000, 2048, null).close());
        assertTrue(e.getMessage().startsWith("the KV cache for 2048 tokens needs ") && e.getMessage().contains(
                "of memory is available"), e.getMessage());
    }

    @Test
    void rotaryTablesGrowWithoutChangingEarlierRows() {
        LlamaConfig config = new LlamaConfig(64, 176, 2, 8, 2, 256, 1_000_000_000, 1e-5, 10000, 1, false, 1,
                List.of(2));
        try (NDManager manager = NDManager.newBaseManager();
                RotaryEmbedding rope = new RotaryEmbedding(manager, config)) {
            NDArray x = manager.randomNormal(new Shape(1, 8, 3, 8));
            float[] before = rope.at(x, 10, 3).apply(x).toFloatArray();
            float[] far = rope.at(x, 100_000, 3).apply(x).toFloatArray();
            assertArrayEquals(before, rope.at(x, 10, 3).apply(x).toFloatArray(), "rows kept through a growth");
            // Position p rotates by p * theta^(-2i/d); the first pair (i = 0) turns by p radians.
            float x0 = x.getFloat(0, 0, 0, 0);
            float x4 = x.getFloat(0, 0, 0, 4);
            assertTrue(Math.abs(far[0] - (x0 * Math.cos(100_000) - x4 * Math.sin(100_000))) < 1e-3, "position 100000");
        }
    }
}
