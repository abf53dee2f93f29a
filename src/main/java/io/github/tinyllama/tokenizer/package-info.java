/**
 * Text to token ids and back: the Llama-2 tokenizer over DJL's {@code HuggingFaceTokenizer}
 * ({@link io.github.tinyllama.tokenizer.LlamaTokenizer}), a converter from SentencePiece's
 * {@code tokenizer.model} to {@code tokenizer.json}, added tokens, a streaming decoder that emits text as
 * ids arrive, and the chat templates of TinyLlama's chat models.
 *
 * <p>May import: {@code util}. It knows nothing of weights or models.
 */
package io.github.tinyllama.tokenizer;
