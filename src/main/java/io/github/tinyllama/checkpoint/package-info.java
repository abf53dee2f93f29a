/**
 * Reading and writing Hugging Face safetensors checkpoints with plain Java buffers.
 *
 * <p>This package knows file formats only: it maps tensors out of {@code .safetensors} files
 * (single or sharded through {@code model.safetensors.index.json}), converts between
 * {@link io.github.tinyllama.checkpoint.DType#F32 F32}, {@link io.github.tinyllama.checkpoint.DType#F16 F16}
 * and {@link io.github.tinyllama.checkpoint.DType#BF16 BF16}, and writes files that Python's
 * {@code safetensors} can load. Turning buffers into engine arrays is left to the layer above,
 * because DJL's PyTorch engine cannot take BF16 and DJL's own reader cannot take files over 2 GiB.
 */
package io.github.tinyllama.checkpoint;
