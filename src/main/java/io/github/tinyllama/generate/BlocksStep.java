package io.github.tinyllama.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;

import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaNetwork;


/** A decode step through the DJL Blocks ({@link DecodeEngine#BLOCKS}). */
final class BlocksStep {

    private BlocksStep() {}

    /**
     * Runs {@code input} after the cached tokens and returns the next-token logits of its last
     * {@code positions} positions, one array each: 1 for plain decoding, 1 + draft length to check a
     * speculative draft. Only those positions go through the vocabulary projection.
     */
    static float[][] lastLogits(LlamaNetwork block, NDManager parent, long[] input, int positions, KvCache cache) {
        try (NDScope scope = new NDScope(); NDManager step = parent.newSubManager()) {
            scope.suppressNotUsedWarning();
            ParameterStore ps = new ParameterStore(step, false);
            NDArray ids = step.create(input).reshape(1, input.length);
            NDArray hidden = block.hiddenStates(ps, ids, cache, null, false);
            NDArray last = hidden.get(new NDIndex().addAllDim().addSliceDim(input.length - positions, input.length));
            return LogitRows.split(block.logits(ps, last, false).toFloatArray(), positions);
        }
    }
}
