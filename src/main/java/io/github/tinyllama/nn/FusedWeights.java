package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.function.Consumer;

/**
 * Weights stored as one stacked matrix, so inference runs one matrix product instead of several.
 *
 * @param hfNames the members in row order, by full Hugging Face name
 * @param install hands the stacked matrix to the block that multiplies by it
 */
public record FusedWeights(List<String> hfNames, Consumer<NDArray> install) {
    FusedWeights under(String prefix) {
        return new FusedWeights(hfNames.stream().map(n -> prefix + "." + n).toList(), install);
    }
}
