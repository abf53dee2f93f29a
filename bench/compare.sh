#!/usr/bin/env bash
# Side-by-side decode and prefill speed of `tinyllama bench` and llama.cpp on the same checkpoint, in one run.
#
#   bench/compare.sh MODEL_DIR [PROMPT_TOKENS] [NEW_TOKENS]
#
# MODEL_DIR is a Hugging Face Llama directory (config.json, model.safetensors, tokenizer.json), for example
# one written by `./tinyllama random-checkpoint DIR --preset tinyllama-1.1b --dtype bf16 --tokenizer ...`.
# llama.cpp comes from npm's node-llama-cpp (prebuilt CPU binaries, no compiler); the GGUF files are written
# from MODEL_DIR by bench/to_gguf.py with the gguf-py that node-llama-cpp ships inside llama.cpp's source
# bundle (numpy needed, no torch). Work files (npm folder, GGUF files: 1.2-2.2 GB each for a 1.1B model) go
# to $BENCH_WORK, default /tmp/tinyllama-bench. llama.cpp runs with 1 and with 2 threads: its threads
# spin while they wait, so on a busy machine 2 threads can be far slower than 1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:?usage: bench/compare.sh MODEL_DIR [PROMPT_TOKENS] [NEW_TOKENS]}"
prompt="${2:-128}"
new="${3:-64}"
work="${BENCH_WORK:-/tmp/tinyllama-bench}"
mkdir -p "$work/npm"
if [ ! -d "$work/npm/node_modules/node-llama-cpp" ]; then
  (cd "$work/npm" && npm init -y >/dev/null && npm install --no-audit --no-fund node-llama-cpp >&2)
fi
if [ ! -d "$work/llama.cpp/gguf-py" ]; then
  git clone -q "$work/npm/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$work/llama.cpp" 2>/dev/null
fi
name="$(basename "$model")"
for type in f16 q8_0; do
  if [ ! -f "$work/$name-$type.gguf" ]; then
    echo "writing $work/$name-$type.gguf" >&2
    PYTHONPATH="$work/llama.cpp/gguf-py" python3 "$here/bench/to_gguf.py" "$model" "$work/$name-$type.gguf" "$type"
  fi
done
cp "$here/bench/llamacpp_bench.mjs" "$work/npm/"

results="$work/$name-results.jsonl"
: > "$results"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Each run gets at most $LIMIT seconds (default 900): on a saturated machine a spinning thread pool can crawl.
limit="${LIMIT:-900}"
ours() {  # label, dtype, engine, environment assignment
  env "$4" timeout "$limit" "$here/tinyllama" bench --model "$model" --dtype "$2" --engine "$3" \
    --prompt-tokens "$prompt" --new-tokens "$new" --json \
    | python3 -c "import json,sys; o=json.load(sys.stdin); o['engine']='$1'; print(json.dumps(o))" \
    >> "$results" || echo "{\"engine\": \"$1\", \"failed\": true}" >> "$results"
}
ours "tinyllama float16, script" float16 script "BENCH=1"
ours "tinyllama float16, blocks" float16 blocks "BENCH=1"
ours "tinyllama int8, script" int8 script "BENCH=1"
ours "tinyllama float32, script" float32 script "BENCH=1"
# The launcher makes libtorch's OpenMP threads wait passively; an empty value gives libgomp's default (spin, then sleep).
if [ -n "${OMP_DEFAULT_ROWS:-}" ]; then
  ours "tinyllama float16, script, OMP default" float16 script "OMP_WAIT_POLICY="
fi
for type in f16 q8_0; do
  for threads in 1 2; do
    label="llama.cpp $type, $threads thread(s)"
    (cd "$work/npm" && timeout "$limit" node llamacpp_bench.mjs "$work/$name-$type.gguf" "$prompt" "$new" "$threads") \
      | python3 -c "import json,sys; o=json.load(sys.stdin); o['engine']='$label'; print(json.dumps(o))" \
      >> "$results" || echo "{\"engine\": \"$label\", \"failed\": true}" >> "$results"
  done
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
base = rows[0]
print(f"{'engine':38} {'prefill tok/s':>13} {'decode tok/s':>12} {'decode vs first row':>20}")
for r in rows:
    if r.get("failed"):
        print(f"{r['engine']:38} {'failed or timed out':>13}")
        continue
    ratio = r['decode_tokens_per_second'] / base['decode_tokens_per_second'] if not base.get("failed") else float("nan")
    print(f"{r['engine']:38} {r['prefill_tokens_per_second']:13.1f} {r['decode_tokens_per_second']:12.2f} {ratio:20.2f}")
if not base.get("failed"):
    print(f"memory read {base['bandwidth_bytes_per_second'] / 1e9:.1f} GB/s measured by bench in this run;"
          f" the first row's decode reached {100 * base['roofline_fraction']:.0f}% of its roofline")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
