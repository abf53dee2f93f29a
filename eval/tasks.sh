#!/usr/bin/env bash
# Runs `tinyllama eval` on a set of tasks for MODEL, writing eval-results/<model>-<NAME>.json and
# <model>-<NAME>-samples.jsonl. Used by commonsense.sh and mmlu.sh.
# Usage: tasks.sh NAME TASKS MODEL [tinyllama eval options...]; DATA_DIR, BATCH_SIZE and OUT_DIR override defaults.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -lt 3 ]; then
  echo "usage: $(basename "$0") NAME TASKS MODEL [tinyllama eval options...]" >&2
  exit 2
fi
suite="$1"; tasks="$2"; model="$3"; shift 3
name="$(basename "$model")"
out="${OUT_DIR:-eval-results}"
mkdir -p "$out"
exec "$here/../tinyllama" eval --model "$model" --tasks "$tasks" \
  --data-dir "${DATA_DIR:-data}" --batch-size "${BATCH_SIZE:-16}" \
  --output "$out/$name-$suite.json" --log-samples "$out/$name-$suite-samples.jsonl" "$@"
