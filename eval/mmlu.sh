#!/usr/bin/env bash
# Reproduces the paper's MMLU (5-shot) column for MODEL, a model directory or a released checkpoint's name, e.g.
#   eval/mmlu.sh TinyLlama_v1.1
# Data: DATA_DIR (default: data) with mmlu/dev.jsonl and mmlu/test.jsonl (see eval/README.md).
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 MODEL [tinyllama eval options...]" >&2
  exit 2
fi
exec "$(dirname "${BASH_SOURCE[0]}")/tasks.sh" mmlu mmlu "$@"
