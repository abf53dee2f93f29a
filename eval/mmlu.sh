#!/usr/bin/env bash
# Reproduces the paper's MMLU (5-shot) column for MODEL, a model directory or a released checkpoint's name, e.g.
#   eval/mmlu.sh TinyLlama/TinyLlama_v1.1
# Data: DATA_DIR (default: data) with mmlu/dev.jsonl and mmlu/test.jsonl (see eval/README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: $0 MODEL [tinyllama eval options...]" >&2
  exit 2
fi
model="$1"; shift
name="$(basename "$model")"
out="${OUT_DIR:-eval-results}"
mkdir -p "$out"
exec "$here/../tinyllama" eval --model "$model" --tasks mmlu \
  --data-dir "${DATA_DIR:-data}" --batch-size "${BATCH_SIZE:-16}" \
  --output "$out/$name-mmlu.json" --log-samples "$out/$name-mmlu-samples.jsonl" "$@"
