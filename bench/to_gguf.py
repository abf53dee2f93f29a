#!/usr/bin/env python3
"""Writes a Hugging Face Llama checkpoint (config.json, one model.safetensors in F32/F16/BF16,
tokenizer.json) as a GGUF file for llama.cpp, with numpy and llama.cpp's own gguf-py only (no torch).

    PYTHONPATH=<llama.cpp>/gguf-py python3 bench/to_gguf.py MODEL_DIR OUT.gguf [f16|q8_0]

Does what llama.cpp's convert_hf_to_gguf.py does for a plain Llama: the q and k rows are permuted from
HF's rotate-half layout to llama.cpp's interleaved pairs, names are mapped to GGUF's. The vocabulary is
written from tokenizer.json with SentencePiece-style scores (minus the id): the benchmark feeds token
ids, so llama.cpp never tokenises text with it.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import gguf


def read_safetensors(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            values = (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] == "F16":
            values = raw.view(np.float16).astype(np.float32)
        elif info["dtype"] == "F32":
            values = raw.view(np.float32)
        else:
            sys.exit(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32, F16 or BF16")
        yield name, values.reshape(info["shape"])


def permute(w, heads):
    """HF rotate-half rows to llama.cpp's interleaved pairs (convert_hf_to_gguf's LlamaModel.permute)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}
LAYER = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}


def gguf_name(name):
    if name in NAMES:
        return NAMES[name]
    parts = name.split(".", 3)  # model, layers, N, rest
    if parts[:2] == ["model", "layers"] and parts[3] in LAYER:
        return f"blk.{parts[2]}.{LAYER[parts[3]]}"
    sys.exit(f"unknown tensor {name}")


def vocabulary(writer, model_dir, vocab_size):
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text())
    by_id = {i: t for t, i in tokenizer["model"]["vocab"].items()}
    for added in tokenizer.get("added_tokens", []):
        by_id[added["id"]] = added["content"]
    tokens, scores, types = [], [], []
    for i in range(vocab_size):
        t = by_id.get(i, f"[PAD{i}]")
        tokens.append(t)
        scores.append(-float(i))
        if t == "<unk>":
            types.append(gguf.TokenType.UNKNOWN)
        elif t in ("<s>", "</s>"):
            types.append(gguf.TokenType.CONTROL)
        elif t.startswith("<0x") and t.endswith(">") and len(t) == 6:
            types.append(gguf.TokenType.BYTE)
        else:
            types.append(gguf.TokenType.NORMAL)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    model_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    kind = sys.argv[3] if len(sys.argv) == 4 else "f16"
    if kind not in ("f16", "q8_0"):
        sys.exit(f"type must be f16 or q8_0, not {kind}")
    c = json.loads((model_dir / "config.json").read_text())
    heads, kv_heads = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    hidden = c["hidden_size"]
    writer = gguf.GGUFWriter(str(out) + ".tmp", "llama")
    writer.add_name(model_dir.name)
    writer.add_context_length(c["max_position_embeddings"])
    writer.add_embedding_length(hidden)
    writer.add_block_count(c["num_hidden_layers"])
    writer.add_feed_forward_length(c["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_dimension_count(hidden // heads)
    writer.add_rope_freq_base(c.get("rope_theta", 10000.0))
    writer.add_layer_norm_rms_eps(c["rms_norm_eps"])
    writer.add_vocab_size(c["vocab_size"])
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if kind == "f16" else gguf.LlamaFileType.MOSTLY_Q8_0)
    vocabulary(writer, model_dir, c["vocab_size"])
    writer.add_bos_token_id(c.get("bos_token_id", 1))
    eos = c.get("eos_token_id", 2)
    writer.add_eos_token_id(eos[0] if isinstance(eos, list) else eos)
    for name, w in read_safetensors(model_dir / "model.safetensors"):
        if name.endswith("q_proj.weight"):
            w = permute(w, heads)
        elif name.endswith("k_proj.weight"):
            w = permute(w, kv_heads)
        if w.ndim == 1:
            writer.add_tensor(gguf_name(name), np.ascontiguousarray(w, dtype=np.float32))
        elif kind == "q8_0" and w.shape[-1] % 32 == 0:
            q = gguf.quants.quantize(np.ascontiguousarray(w, dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(gguf_name(name), q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            # Rows not a whole number of 32-value Q8_0 blocks stay F16, as convert_hf_to_gguf.py leaves them.
            writer.add_tensor(gguf_name(name), w.astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    Path(str(out) + ".tmp").rename(out)


if __name__ == "__main__":
    main()
