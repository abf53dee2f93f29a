package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.weights.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;

/** A fixture checkpoint loaded into a DJL model, for tests that run the block directly. */
final class LoadedModel implements AutoCloseable {
    final Model model;
    final LlamaNetwork block;

    private LoadedModel(Model model, LlamaNetwork block) {
        this.model = model;
        this.block = block;
    }

    /**
     * Writes the fixture under {@code dir} (once) and loads it.
     *
     * @param stacked q/k/v and gate/up as stacked matrices (as for inference) or separate (as for training)
     * @param type the weight matrices' type
     */
    static LoadedModel of(Fixtures fixture, Path dir, boolean stacked, DataType type) throws IOException {
        Path path = fixture.write(dir);
        assertEquals(fixture.config, LlamaConfig.load(path), "the fixture's config.json is the one tested");
        Model model = Model.newInstance("test");
        LlamaNetwork block = new LlamaNetwork(fixture.config);
        try (Checkpoint checkpoint = Checkpoint.open(path)) {
            WeightLoader.load(block, checkpoint, model.getNDManager(), type, stacked, bytes -> {});
        }
        model.setBlock(block);
        return new LoadedModel(model, block);
    }

    /** Logits {@code [T, vocab]}, flattened, of one sequence run without a cache. */
    float[] logits(long[] ids, boolean training) {
        return run(ids, null, false, training);
    }

    /** The last position's logits after running {@code ids} through the cache. */
    float[] cachedLastLogits(long[] ids, KvCache cache) {
        return run(ids, cache, true, false);
    }

    private float[] run(long[] ids, KvCache cache, boolean lastOnly, boolean training) {
        try (NDManager m = model.getNDManager().newSubManager()) {
            return block.forward(new ParameterStore(m, false), m.create(ids).reshape(1, ids.length),
                    cache, lastOnly, training).toFloatArray();
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
