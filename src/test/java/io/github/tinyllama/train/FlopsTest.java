package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;

import io.github.tinyllama.config.LlamaConfig;

import org.junit.jupiter.api.Test;

import java.util.List;

class FlopsTest {

    private static LlamaConfig shape(boolean tied) {
        return new LlamaConfig(64, 172, 2, 4, 2, 1000, 128, 1e-5, 10000, 1, tied, 1, List.of(2));
    }

    @Test
    void anUntiedInputEmbeddingIsALookupNotAProduct() {
        double tied = Flops.trainingPerToken(shape(true), 32);
        double untied = Flops.trainingPerToken(shape(false), 32);
        // The untied model has one more vocab x hidden table, but only its head is a product; the head of the
        // tied one is the shared table, so both run the same products.
        assertEquals(tied, untied, 0.0);
        assertEquals(6.0 * shape(true).parameterCount() + 12.0 * 2 * 64 * 32, tied, 0.0);
    }

    @Test
    void aPeakOverTheModelsOwnShapesIsFinite() {
        LlamaConfig config = shape(false);
        List<long[]> shapes = Flops.gemmShapes(config, 64, 128);
        assertEquals(6, shapes.size());
        assertTrue(shapes.stream().anyMatch(s -> s[0] == 64 && s[1] == 64 && s[2] == 1000), "the vocabulary head");
        double peak = Flops.measurePeak(Engine.getInstance().defaultDevice(), shapes);
        assertTrue(peak > 0 && Double.isFinite(peak), "peak " + peak);
    }
}
