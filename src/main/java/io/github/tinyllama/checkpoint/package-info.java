/**
 * Reading and writing checkpoints with plain Java buffers: Hugging Face safetensors, PyTorch
 * {@code torch.save} files and lit-gpt training checkpoints.
 *
 * <p>This package knows file formats only: it streams tensors out of {@code .safetensors} files
 * (single or sharded through {@code model.safetensors.index.json}) and out of {@code torch.save} zip
 * archives ({@code pytorch_model.bin}, sharded through {@code pytorch_model.bin.index.json}, and
 * lit-gpt's {@code lit_model.pth}, whose fused QKV matrices {@link io.github.tinyllama.checkpoint.LitGptFormat}
 * presents as Hugging Face q/k/v tensors). Pickles are read by a restricted unpickler that never runs
 * code and refuses any global a state dict does not need. It converts between
 * {@link io.github.tinyllama.checkpoint.DType#F32 F32}, {@link io.github.tinyllama.checkpoint.DType#F16 F16}
 * and {@link io.github.tinyllama.checkpoint.DType#BF16 BF16}, and writes files that Python's
 * {@code safetensors} and {@code torch.load} can load. Turning buffers into engine arrays is left to
 * the layer above, because DJL's PyTorch engine cannot take BF16 and DJL's own reader cannot take
 * files over 2 GiB.
 *
 * <p>May import: {@code config}, {@code util}.
 */
package io.github.tinyllama.checkpoint;
