"""Checks the scripted decode step (src/main/python/decode_step.py) on a device against the CPU.

DJL's CUDA build of libtorch is not served where this project is developed, so the Java tests run the step on
the CPU only. This script runs the same TorchScript code with Python's torch on a device and on the CPU, with
the same random weights, and compares the logits of a padded batched prefill and of a step whose rows sit at
different positions. On a machine with a GPU:

    python3 bench/scripted_step_device_check.py cuda

It prints one line per check and exits 1 if any differs by more than its tolerance. `cpu` as the device runs
the same checks here (both sides on the CPU), which keeps the script itself tested.
"""
import importlib.util
import pathlib
import sys

import torch

SOURCE = pathlib.Path(__file__).resolve().parent.parent / "src/main/python/decode_step.py"
LAYERS, HEADS, KV_HEADS, HEAD, INTERMEDIATE, VOCAB = 2, 4, 2, 16, 96, 101
HIDDEN = HEADS * HEAD


def module():
    spec = importlib.util.spec_from_file_location("decode_step", SOURCE)
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)
    return torch.jit.script(code.DecodeStep())


def weights(seed):
    g = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=g) * 0.2

    out = [rand(VOCAB, HIDDEN)]
    for _ in range(LAYERS):
        out += [1 + rand(HIDDEN), rand(HIDDEN, HIDDEN), rand(KV_HEADS * HEAD, HIDDEN), rand(KV_HEADS * HEAD, HIDDEN),
                rand(HIDDEN, HIDDEN), 1 + rand(HIDDEN), rand(INTERMEDIATE, HIDDEN), rand(INTERMEDIATE, HIDDEN),
                rand(HIDDEN, INTERMEDIATE)]
    return out + [1 + rand(HIDDEN), rand(VOCAB, HIDDEN)]


def run(device, kind, dtype):
    step = module()
    step.load([LAYERS, HEADS, KV_HEADS, HEAD], 1e-5, 10000.0, 1.0, kind,
              [w.to(device=device, dtype=dtype if w.dim() == 2 and i > 0 else torch.float32)
               for i, w in enumerate(weights(7))])

    def cache(rows):
        return [torch.zeros(rows, KV_HEADS, 16, HEAD, device=device) for _ in range(LAYERS)]

    keys, values = cache(2), cache(2)
    prompts = torch.tensor([[1, 7, 19, 4, 33, 8], [1, 50, 12, 12, 12, 12]], device=device)
    first = step.prefill(prompts, torch.zeros(2, dtype=torch.int64, device=device), keys, values,
                         torch.tensor([6, 3], device=device))
    # Row 1's next token overwrites a column its padding wrote.
    nxt = step.step(torch.tensor([[5], [60]], device=device), torch.tensor([6, 3], device=device), keys, values, 1)
    return first.float().cpu(), nxt[:, 0].float().cpu()


def main(device):
    reference = run("cpu", 0, torch.float32)
    checks = [("float32", 0, torch.float32, 1e-4)]
    if device != "cpu":
        # float16 products against float32 ones: a few units in the third decimal of logits near 1.
        checks.append(("float16", 1, torch.float16, 3e-2))
    failed = False
    for name, kind, dtype, tolerance in checks:
        got = run(device, kind, dtype)
        for what, a, b in zip(("prefill", "step"), got, reference):
            error = (a - b).abs().max().item()
            ok = error <= tolerance
            failed |= not ok
            print(f"{device} {name} {what}: largest difference {error:.2e} (tolerance {tolerance:.0e}) "
                  f"{'ok' if ok else 'FAILED'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cuda")
