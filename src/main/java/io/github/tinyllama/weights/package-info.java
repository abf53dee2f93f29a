/**
 * Moves weights between checkpoint files and the Blocks of {@code nn}:
 * {@link io.github.tinyllama.weights.WeightLoader} fills a model from a checkpoint (every name and shape
 * checked), {@link io.github.tinyllama.weights.LoraAdapters} saves and loads adapters in PEFT's layout,
 * {@link io.github.tinyllama.weights.LoraMerge} writes a model with an adapter folded in, and
 * {@link io.github.tinyllama.weights.RandomCheckpoint} writes a model directory with random weights.
 *
 * <p>May import: {@code nn}, {@code checkpoint}, {@code config}, {@code util}.
 */
package io.github.tinyllama.weights;
