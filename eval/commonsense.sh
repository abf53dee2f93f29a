#!/usr/bin/env bash
# Reproduces the paper's zero-shot commonsense table (HellaSwag, OpenBookQA, WinoGrande, ARC-c, ARC-e, BoolQ, PIQA)
# for MODEL, a model directory or a released checkpoint's name, e.g.
#   eval/commonsense.sh TinyLlama-1.1B-intermediate-step-1431k-3T
# Data: DATA_DIR (default: data) laid out as described in eval/README.md. Extra arguments go to `tinyllama eval`.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 MODEL [tinyllama eval options...]" >&2
  exit 2
fi
exec "$(dirname "${BASH_SOURCE[0]}")/tasks.sh" commonsense \
  hellaswag,openbookqa,winogrande,arc_challenge,arc_easy,boolq,piqa "$@"
