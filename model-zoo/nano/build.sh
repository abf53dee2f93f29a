#!/usr/bin/env bash
# Rebuilds the nano model end to end, offline once the Debian packages are installed:
# corpus -> SentencePiece tokenizer (spm_train) -> tokenizer.json (our converter) -> packed data
# -> pre-training from scratch -> model files in this directory.
# Usage: model-zoo/nano/build.sh [BUILD_DIR] (default /tmp/tinyllama-nano-build). MAX_STEPS overrides the length.
# Re-running continues an interrupted training run (--resume).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:-/tmp/tinyllama-nano-build}"
steps="${MAX_STEPS:-900}"
# TINYLLAMA may name another launcher (for example a frozen build while sources change).
tl="${TINYLLAMA:-$repo/tinyllama}"
mkdir -p "$build"

if [ "$(id -u)" = 0 ] && ! command -v spm_train >/dev/null; then apt-get install -y -qq sentencepiece >/dev/null; fi
"$here/corpus.sh" "$build/corpus"

# Tokenizer: Llama-style BPE (byte fallback, split digits, no normalisation, a dummy prefix), 70% prose / 30% code.
python3 - "$build" <<'PY'
import json, random, sys
build = sys.argv[1]
rng = random.Random(0)
def lines(path, limit):
    out = []
    for row in open(path, encoding="utf-8"):
        out += [l for l in json.loads(row)["text"].split("\n") if l.strip()]
    rng.shuffle(out)
    return out[:limit]
prose = sum((lines(f"{build}/corpus/prose/{n}.jsonl", 120000) for n in ("python-docs", "fortunes", "gcide")), [])
code = lines(f"{build}/corpus/java/jdk-java-base.jsonl", 150000)
with open(f"{build}/spm-input.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(prose + code) + "\n")
PY
spm_train --input="$build/spm-input.txt" --model_prefix="$build/nano" --model_type=bpe --vocab_size=4096 \
  --byte_fallback=true --split_digits=true --normalization_rule_name=identity --add_dummy_prefix=true \
  --remove_extra_whitespaces=false --allow_whitespace_only_pieces=true --character_coverage=0.9995 \
  --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --input_sentence_size=600000 --shuffle_input_sentence=true \
  --num_threads=2 --minloglevel=1
"$tl" convert-tokenizer "$build/nano.model" "$build/tokenizer"

# Packed data in files of 512 blocks of 257 tokens; the last file of each kind is held out for validation.
rm -rf "$build/data"
for kind in prose java; do
  "$tl" prepare-data --tokenizer "$build/tokenizer" --input "$build/corpus/$kind" --out "$build/data" \
    --prefix "train_$kind" --eos --chunk-tokens $((257 * 512)) --quiet
  last="$(ls "$build/data"/train_"$kind"_*.bin | sort | tail -n 1)"
  mv "$last" "$build/data/valid_${kind}_0000000000.bin"
done

# Pre-training: 7:3 prose to code, like SlimPajama to StarCoder.
"$tl" pretrain --data-dir "$build/data" --mix train_prose=0.7,train_java=0.3 --out "$build/run" \
  --config "$here/config.json" --tokenizer "$build/tokenizer" --seq-len 256 --micro-batch-size 8 \
  --global-batch-size 32 --max-steps "$steps" --lr 2e-3 --min-lr 2e-4 --warmup-steps 50 --seed 3407 \
  --save-every 50 --resume --metrics "$build/metrics.jsonl" --plot "$here/loss.png"

# Held-out loss (first 64 blocks of each held-out file) and a few samples for the model card.
for kind in prose java; do
  "$tl" held-out-loss --model "$build/run" --data-dir "$build/data" --prefix "valid_$kind" --blocks 64
done > "$build/held-out.jsonl"
for prompt in "The meaning of the word" "Once upon a time" "public static void main(" "    /**"; do
  "$tl" generate --model "$build/run" --prompt "$prompt" --max-new-tokens 48 --temperature 0.8 --top-k 40 \
    --repetition-penalty 1.1 --seed 1 --json
done > "$build/samples.jsonl"

cp "$build/held-out.jsonl" "$build/samples.jsonl" "$here/"
cp "$build/run/model.safetensors" "$build/run/config.json" "$build/tokenizer/tokenizer.json" \
  "$build/tokenizer/tokenizer_config.json" "$build/metrics.jsonl" "$here/"
cp "$build/nano.model" "$here/nano-spm.model"
echo "nano model rebuilt in $here"
