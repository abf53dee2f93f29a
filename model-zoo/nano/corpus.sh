#!/usr/bin/env bash
# Builds the nano model's training corpus from Debian packages, offline once they are installed:
# English prose (Python 3.11 documentation sources, fortunes, the GCIDE dictionary) and Java code
# (the JDK 17 class library sources), as JSON Lines with one document per line.
# Usage: corpus.sh OUT_DIR
set -euo pipefail
out="${1:?usage: corpus.sh OUT_DIR}"
mkdir -p "$out/prose" "$out/java"
if [ "$(id -u)" = 0 ] && ! dpkg -s python3.11-doc fortunes dict-gcide openjdk-17-source >/dev/null 2>&1; then
  apt-get install -y -qq python3.11-doc fortunes dict-gcide openjdk-17-source >/dev/null
fi
python3 - "$out" <<'PY'
import glob, gzip, io, json, os, re, sys, zipfile
out = sys.argv[1]

def write(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            d = d.strip()
            if len(d) > 40:
                f.write(json.dumps({"text": d}, ensure_ascii=False) + "\n")

# Python documentation: one document per section of each reStructuredText source.
docs = []
for path in sorted(glob.glob("/usr/share/doc/python3.11/html/_sources/**/*.txt", recursive=True)):
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"^\.\. .*$", "", text, flags=re.M)             # directives and comments
    text = re.sub(r":[a-z:]+:`~?([^`<]*?)(?: <[^>]*>)?`", r"\1", text)  # roles such as :func:`len`
    docs += re.split(r"\n(?=[^\n]+\n[=\-~^*]{3,}\n)", text)
write(os.path.join(out, "prose", "python-docs.jsonl"), docs)

# Fortunes: each quotation is a document (offensive ones are not installed by default).
docs = []
for path in sorted(glob.glob("/usr/share/games/fortunes/*")):
    if os.path.isfile(path) and "." not in os.path.basename(path):
        docs += open(path, encoding="utf-8", errors="replace").read().split("\n%\n")
write(os.path.join(out, "prose", "fortunes.jsonl"), docs)

# GCIDE: dictionary entries with their markup removed.
raw = gzip.open("/usr/share/dictd/gcide.dict.dz").read().decode("utf-8", errors="replace")
entries = re.split(r"\n(?=\S)", raw)
docs = [re.sub(r"<[^>]+>|\[[^\]]*\]", "", e) for e in entries[20:]]
write(os.path.join(out, "prose", "gcide.jsonl"), docs)

# Java: the public packages of java.base, one source file per document, licence headers dropped.
docs = []
with zipfile.ZipFile("/usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip") as z:
    for name in sorted(z.namelist()):
        if re.match(r"java\.base/java/(lang|util|io|nio|time|text|math|net)/.*\.java$", name):
            text = z.read(name).decode("utf-8", errors="replace")
            docs.append(re.sub(r"\A/\*.*?\*/\s*", "", text, flags=re.S))
write(os.path.join(out, "java", "jdk-java-base.jsonl"), docs)
PY
wc -c "$out"/prose/*.jsonl "$out"/java/*.jsonl
