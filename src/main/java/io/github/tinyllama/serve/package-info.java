/**
 * Serving: an OpenAI-compatible HTTP server ({@link io.github.tinyllama.serve.OpenAiServer}) whose
 * {@link io.github.tinyllama.serve.Scheduler} decodes every running request in one batched pass per step
 * ({@link io.github.tinyllama.generate.BatchDecoder}), and a chat page at {@code /}.
 *
 * <p>May import: {@code generate}, {@code tokenizer}, {@code config}, {@code util}.
 */
package io.github.tinyllama.serve;
