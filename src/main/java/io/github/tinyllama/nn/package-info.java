/**
 * The Llama architecture as DJL Blocks, what a reader needs for the forward pass and nothing else:
 * {@link io.github.tinyllama.nn.RmsNorm}, rotary embedding, grouped-query
 * {@link io.github.tinyllama.nn.Attention} over a {@link io.github.tinyllama.nn.KvCache},
 * the SwiGLU {@link io.github.tinyllama.nn.Mlp}, {@link io.github.tinyllama.nn.DecoderLayer} and the causal
 * language model {@link io.github.tinyllama.nn.LlamaNetwork}, plus LoRA adapters on its projections. Every
 * parameter carries its Hugging Face name, so the one table of names lives here.
 *
 * <p>May import: {@code config}, {@code util}. No file I/O: reading and writing weights is the {@code weights}
 * package's work.
 */
package io.github.tinyllama.nn;
