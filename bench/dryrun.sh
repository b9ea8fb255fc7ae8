#!/usr/bin/env bash
# The workflow's start on scaffold-level assemblies: 5,000, 20,000 and 50,000 scaffolds of
# 700 bases of real sequence (the demo genome cut end to end; bgzip with .fai), one k-mer model,
# `test: rest` with the first tenth of the scaffolds in train. Measures `snakemake -n` (reading
# the genome's index, plan-splits, the DAG): wall time, peak memory and the jobs it plans.
# Before issue 28 a genome of 20,000 such scaffolds took 362 s and 0.95 GB, one job per
# scaffold and model. Prints Markdown.
#
#   bench/dryrun.sh            # needs the release build and .venv (scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| scaffolds | snakemake -n wall (s) | peak RSS (MB) | score jobs per model | count jobs |"
echo "| ---: | ---: | ---: | ---: | ---: |"
for n in 5000 20000 50000; do
    d=$work/$n
    mkdir -p "$d"
    python3 - "$n" "$repo/data/ztritici_IPO323.fa.gz" "$d" <<'PY'
import gzip, sys
n, src, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with gzip.open(src, "rt") as f:
    seq = "".join(l.strip() for l in f if not l.startswith(">"))
with open(f"{d}/scaffolds.fa", "w") as out:
    for i in range(n):
        s = seq[i * 700:(i + 1) * 700]
        out.write(f">scaffold_{i + 1}\n" + "\n".join(s[j:j + 60] for j in range(0, 700, 60)) + "\n")
train = ", ".join(f"scaffold_{i + 1}" for i in range(n // 10))
with open(f"{d}/config.yaml", "w") as out:
    out.write(f"genome: scaffolds.fa.gz\nsplits:\n  train: [{train}]\n  test: rest\n"
              "models:\n  - {name: kmer5, kind: kmer, k: 5}\nexplain: {enabled: false}\nhub: {enabled: false}\n")
PY
    bgzip -f "$d/scaffolds.fa"
    samtools faidx "$d/scaffolds.fa.gz"
    /usr/bin/time -f '%e %M' -o "$d/time" snakemake -s "$repo/workflow/Snakefile" -d "$d/run" \
        --configfile "$d/config.yaml" -n > "$d/out" 2> "$d/err"
    read -r wall rss < "$d/time"
    score=$(awk '$1 == "score_kmer" {print $2; exit}' "$d/out")
    count=$(awk '$1 == "count_kmers" {print $2; exit}' "$d/out")
    echo "| $n | $wall | $((rss / 1024)) | $score | $count |"
done
