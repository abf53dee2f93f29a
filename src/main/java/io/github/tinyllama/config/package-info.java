/**
 * A model's settings as Hugging Face writes them: the architecture from {@code config.json}
 * ({@link io.github.tinyllama.config.LlamaConfig}, validated with errors naming the file and field) and
 * the generation defaults from {@code generation_config.json}
 * ({@link io.github.tinyllama.config.GenerationDefaults}).
 *
 * <p>May import: {@code util}. Every other package may import it.
 */
package io.github.tinyllama.config;
