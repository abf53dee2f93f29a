/**
 * Running a loaded model: {@link io.github.tinyllama.generate.LanguageModel} holds the weights in a DJL
 * {@code Model} and generates (prefill, then one token at a time over a KV cache, each step in its own
 * {@code NDManager} scope), and its {@link io.github.tinyllama.generate.TokenScorer} scores log-probabilities;
 * {@link io.github.tinyllama.generate.Sampler}, stop strings and {@link io.github.tinyllama.generate.GenerationConfig} say how to pick and when to stop;
 * {@link io.github.tinyllama.generate.TinyLlama} adds the tokenizer for text in and out,
 * {@link io.github.tinyllama.generate.Chat} and {@link io.github.tinyllama.generate.Session} hold
 * conversations, and {@link io.github.tinyllama.generate.Benchmark} measures speed.
 *
 * <p>May import: {@code weights}, {@code nn}, {@code checkpoint}, {@code tokenizer}, {@code config},
 * {@code util}.
 */
package io.github.tinyllama.generate;
