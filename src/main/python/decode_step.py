"""The TorchScript decode step of tinyllama-djl: a whole forward pass of the Llama network in one native call.

Run with Debian's python3-torch (1.13) to write the archive the Java side loads (libtorch 2.7.1 reads it):

    /usr/bin/python3 src/main/python/decode_step.py src/main/resources/io/github/tinyllama/generate/decode-step.pt

The archive holds code only. Java hands the weights over once (`load`), then each step passes token ids,
per-row positions and the KV cache. The Blocks in io.github.tinyllama.nn stay the definition of the network
(training uses them); this file must compute what they compute (ScriptedStepTest checks it).
"""
import os
import sys
from typing import Final, List

import torch
import torch.nn.functional as F
from torch import Tensor

class DecodeStep(torch.nn.Module):
    """A Llama network over a batch of rows, each at its own position, with a caller-owned KV cache.

    Matrices per layer, in `mats` (or `packed` for INT8 and FLOAT16_PACKED): qkv (q, k, v rows stacked), o, gate_up (gate, up
    rows stacked), down; then the vocabulary head last. Norm weights (float32) per layer in `norms`:
    input norm, post-attention norm.
    """

    # How the weight matrices are held inside the module (ScriptedStep.Kind in Java, same order).
    FLOAT32: Final[int] = 0
    FLOAT16: Final[int] = 1
    BFLOAT16: Final[int] = 2
    INT8: Final[int] = 3
    FLOAT16_PACKED: Final[int] = 4

    kind: int
    layers: int
    heads: int
    kv_heads: int
    head_size: int
    eps: float
    inv_freq: Tensor
    embed: Tensor
    final_norm: Tensor
    norms: List[Tensor]
    mats: List[Tensor]
    packed: List[torch.classes.quantized.LinearPackedParamsBase]
    markers: List[Tensor]

    def __init__(self):
        super().__init__()
        self.kind = self.FLOAT32
        self.layers = 0
        self.heads = 0
        self.kv_heads = 0
        self.head_size = 0
        self.eps = 1e-5
        self.inv_freq = torch.zeros(0, dtype=torch.float64)
        self.embed = torch.zeros(0)
        self.final_norm = torch.zeros(0)
        self.norms = []
        self.mats = []
        self.packed = []
        self.markers = []

    @torch.jit.export
    def load(self, sizes: List[int], eps: float, rope_theta: float, rope_scaling: float, kind: int,
             weights: List[Tensor]) -> int:
        """Takes the weights once: `sizes` = [layers, heads, kv_heads, head_size]; `weights` = embedding, then
        per layer input norm, q, k, v, o, post-attention norm, gate, up, down, then the final norm and the
        vocabulary head (the embedding again when tied), each as Java holds it (float32 or float16). Returns
        the bytes of matrices the module holds in its own copies."""
        self.kind = kind
        self.layers = sizes[0]
        self.heads = sizes[1]
        self.kv_heads = sizes[2]
        self.head_size = sizes[3]
        self.eps = eps
        half = self.head_size // 2
        exponents = torch.arange(0, half, dtype=torch.float64) * 2.0 / self.head_size
        # Divided by the scaling factor here, where Java divides the position: the same double product.
        self.inv_freq = (1.0 / (torch.full([half], rope_theta, dtype=torch.float64) ** exponents) / rope_scaling) \
            .to(weights[0].device)
        self.embed = weights[0]
        self.norms.clear()
        self.mats.clear()
        self.packed.clear()
        self.markers.clear()
        owned = 0
        per_layer = 9
        for layer in range(self.layers):
            w = weights[1 + layer * per_layer: 1 + (layer + 1) * per_layer]
            self.norms.append(w[0].float())
            self.norms.append(w[5].float())
            owned += self._add(_stacked([w[1], w[2], w[3]]))
            owned += self._add(w[4])
            owned += self._add(_stacked([w[6], w[7]]))
            owned += self._add(w[8])
        self.final_norm = weights[-2].float()
        owned += self._add(weights[-1])
        return owned

    def _add(self, w: Tensor) -> int:
        """Keeps one matrix in the module's form; returns the bytes of any copy that makes."""
        if self.kind == self.INT8:
            # Zero columns for the range markers _int8_linear appends to every activation row: they add nothing.
            extra = self._markers(w.size(1))
            w32 = torch.cat([w.float(), torch.zeros(w.size(0), extra)], 1)
            markers = torch.zeros(extra)
            markers[0] = 1.0
            markers[1] = -1.0
            self.markers.append(markers)
            scales = w32.abs().amax(1).clamp_min(1e-12) / 127.0
            zeros = torch.zeros(w.size(0), dtype=torch.int64)
            q = torch.quantize_per_channel(w32, scales.double(), zeros, 0, torch.qint8)
            self.packed.append(torch.ops.quantized.linear_prepack(q, None))
            return w.numel()
        if self.kind == self.FLOAT16_PACKED:
            self.packed.append(torch.ops.quantized.linear_prepack_fp16(w.float(), None))
            return w.numel() * 2
        if self.kind == self.BFLOAT16:
            self.mats.append(w.to(torch.bfloat16))
            return w.numel() * 2
        self.mats.append(w)
        return 0

    def _linear(self, x: Tensor, index: int) -> Tensor:
        if self.kind == self.INT8:
            return self._int8_linear(x, index)
        if self.kind == self.FLOAT16_PACKED:
            return torch.ops.quantized.linear_dynamic_fp16(x, self.packed[index])
        w = self.mats[index]
        if w.dtype == torch.float32:
            return F.linear(x, w)
        return F.linear(x.to(w.dtype), w).float()

    @staticmethod
    def _markers(features: int) -> int:
        """Columns appended to each activation row: +1, -1, then zeros up to a multiple of 32 columns, so that
        fbgemm's vectorised quantisation covers whole rows and never ends a row in its scalar tail."""
        return 32 - (features + 2) % 32 + 2 if (features + 2) % 32 != 0 else 2

    def _int8_linear(self, x: Tensor, index: int) -> Tensor:
        """fbgemm's dynamic int8 product quantises its input with one range for the whole tensor, which would
        make a row's result depend on the other rows of the batch (and a prompt token's on the others). Each
        token is scaled into [-1, 1] and carries +1 and -1 markers, so every tensor spans exactly [-1, 1]:
        each token is quantised by its own range, whatever shares the call, and scaled back after."""
        peak = torch.linalg.vector_norm(x, float("inf"), -1, keepdim=True).clamp_min(1e-30)
        markers = self.markers[index]
        scaled = torch.cat([x / peak, markers.expand(x.size()[:-1] + [markers.size(0)])], -1)
        return torch.ops.quantized.linear_dynamic(scaled, self.packed[index], True) * peak

    def _norm(self, x: Tensor, weight: Tensor) -> Tensor:
        return x * torch.rsqrt(x.square().mean(-1, keepdim=True) + self.eps) * weight

    @torch.jit.export
    def step(self, ids: Tensor, positions: Tensor, keys: List[Tensor], values: List[Tensor],
             last: int) -> Tensor:
        """Runs `ids` [B, T] (int64); row b's tokens take positions positions[b] .. positions[b]+T-1 and are
        written to those columns of the cache: one `keys` and one `values` buffer per layer, [B, kv_heads,
        columns, head_size] float32 each (Java's nn.KvCache buffers), updated in place. Row b attends to cache columns 0 .. its own position, so rows of
        different lengths share one cache. Returns float32 logits of the `last` last positions [B, last, vocab]
        (all T when `last` is 0 or more than T): decoding needs one, a speculative draft its length plus one."""
        with torch.no_grad():
            h = self._hidden(ids, positions, keys, values)
            if 0 < last < ids.size(1):
                h = h[:, ids.size(1) - last:]
            return self._logits(h)

    @torch.jit.export
    def prefill(self, ids: Tensor, positions: Tensor, keys: List[Tensor], values: List[Tensor],
                lengths: Tensor) -> Tensor:
        """Runs prompts of different lengths together, as `step` runs `ids` [B, T]: row b's prompt is its first
        lengths[b] tokens and the rest is padding. Padding writes cache columns past the prompt, which the row's
        next tokens overwrite before anything attends to them. Returns float32 logits [B, vocab] of each row's
        last prompt token."""
        with torch.no_grad():
            h = self._hidden(ids, positions, keys, values)
            return self._logits(h[torch.arange(ids.size(0), dtype=torch.int64, device=ids.device), lengths - 1])

    def _logits(self, h: Tensor) -> Tensor:
        return self._linear(self._norm(h, self.final_norm), 4 * self.layers)

    def _hidden(self, ids: Tensor, positions: Tensor, keys: List[Tensor], values: List[Tensor]) -> Tensor:
        batch = ids.size(0)
        length = ids.size(1)
        d = self.head_size
        group = self.heads // self.kv_heads
        # Every tensor made here goes where the ids are: a GPU step must not mix in CPU tensors.
        pos = positions.unsqueeze(1) + torch.arange(length, dtype=torch.int64, device=ids.device).unsqueeze(0)
        end = int(pos.max().item()) + 1
        angles = pos.double().unsqueeze(-1) * self.inv_freq
        cos = torch.cat([angles.cos(), angles.cos()], -1).float().unsqueeze(1)
        sin = torch.cat([angles.sin(), angles.sin()], -1).float().unsqueeze(1)
        mask = torch.zeros(0)
        masked = length > 1 or batch > 1
        if masked:
            hidden = torch.arange(end, dtype=torch.int64, device=ids.device).view(1, 1, end) > pos.unsqueeze(-1)
            mask = torch.zeros(hidden.shape, device=ids.device).masked_fill(hidden, float("-inf")) \
                .view(batch, 1, 1, length, end)
        rows = torch.arange(batch, dtype=torch.int64, device=ids.device).unsqueeze(1).expand(batch, length)
        scale = 1.0 / (d ** 0.5)
        q_size = self.heads * d
        kv_size = self.kv_heads * d
        h = F.embedding(ids, self.embed).float()
        for layer in range(self.layers):
            x = self._norm(h, self.norms[2 * layer])
            qkv = self._linear(x, 4 * layer)
            q = _rotate(qkv[:, :, :q_size].reshape(batch, length, self.heads, d).transpose(1, 2), cos, sin)
            k = _rotate(qkv[:, :, q_size:q_size + kv_size].reshape(batch, length, self.kv_heads, d).transpose(1, 2),
                        cos, sin)
            v = qkv[:, :, q_size + kv_size:].reshape(batch, length, self.kv_heads, d)
            layer_keys = keys[layer]
            layer_values = values[layer]
            layer_keys[rows, :, pos] = k.transpose(1, 2)
            layer_values[rows, :, pos] = v
            k_all = layer_keys[:, :, :end]
            v_all = layer_values[:, :, :end]
            scores = torch.matmul(q.reshape(batch, self.kv_heads, group * length, d), k_all.transpose(2, 3)) * scale
            if masked:
                scores = (scores.view(batch, self.kv_heads, group, length, end) + mask) \
                    .view(batch, self.kv_heads, group * length, end)
            context = torch.matmul(scores.softmax(-1), v_all).reshape(batch, self.heads, length, d) \
                .transpose(1, 2).reshape(batch, length, q_size)
            h = h + self._linear(context, 4 * layer + 1)
            x = self._norm(h, self.norms[2 * layer + 1])
            gate_up = self._linear(x, 4 * layer + 2)
            half = gate_up.size(-1) // 2
            h = h + self._linear(F.silu(gate_up[:, :, :half]) * gate_up[:, :, half:], 4 * layer + 3)
        return h

    @torch.jit.export
    def product(self, x: Tensor, index: int) -> Tensor:
        """One of the module's matrix products as a step runs it (`index` as in `mats`/`packed`): benchmarks
        measure the peak of the kernels the steps use."""
        with torch.no_grad():
            return self._linear(x, index)

    def forward(self, ids: Tensor) -> Tensor:
        """Not used: Java calls `load`, `step`, `prefill` and `product`. TorchScript needs a forward to export
        the module."""
        return ids


def _stacked(parts: List[Tensor]) -> Tensor:
    """The rows of `parts` as one matrix: a view when they lie one after another in one buffer (Java's loader
    stores q/k/v and gate/up that way), else a copy. TorchScript cannot compare buffers, so a view that the
    offsets suggest is checked against the parts before it is used."""
    first = parts[0]
    rows = 0
    chained = True
    for p in parts:
        offset = first.storage_offset() + rows * first.size(1)
        if p.storage_offset() != offset or not p.is_contiguous() or p.dtype != first.dtype:
            chained = False
        rows += p.size(0)
    if chained:
        view = first.as_strided([rows, first.size(1)], [first.size(1), 1])
        start = 0
        same = True
        for p in parts:
            same = same and torch.equal(view[start:start + p.size(0)], p)
            start += p.size(0)
        if same:
            return view
    return torch.cat(parts, 0)


def _rotate(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Rotary embedding in Hugging Face's rotate_half layout."""
    half = x.size(-1) // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin


def main(out: str) -> None:
    # The scripted code lists the module's constants in set order, which follows Python's string hashing:
    # a fixed seed makes the archive the same on every run (DecodeStepArchiveTest compares it).
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    torch.jit.save(torch.jit.script(DecodeStep()), out)


if __name__ == "__main__":
    main(sys.argv[1])
