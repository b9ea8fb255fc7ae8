#!/usr/bin/env bash
# Cross-fitting on the whole demo genome (docs/benchmarks.md, "Cross-fitting"): the workflow's
# `crossfit` target with 3 folds over all 21 chromosomes and the demo's two k-mer models
# (k = 5 and 6), default settings otherwise (3 decimals, per-chromosome folders removed):
# wall time of the cross-fitted part, jobs per rule, and the genome-wide tracks' bytes per
# scored base.
#
#   bench/crossfit.sh [workdir, default bench-crossfit] [cores, default 2]
# Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
work=${1:-bench-crossfit}
cores=${2:-2}
rm -rf "$work"
mkdir -p "$work/config"
cp config/config.yaml "$work/config/"
cat > "$work/crossfit.yaml" <<EOF
genome: $repo/data/ztritici_IPO323.fa.gz
models:
  - {name: kmer5, kind: kmer, k: 5}
  - {name: kmer6, kind: kmer, k: 6}
crossfit:
  folds: 3
EOF
start=$(date +%s.%N)
snakemake --snakefile workflow/Snakefile --directory "$work" --configfile "$work/crossfit.yaml" \
    --cores "$cores" crossfit -q > "$work/snakemake.log" 2>&1
end=$(date +%s.%N)
python3 - "$work" "$start" "$end" <<'PY'
import glob, os, re, sys
import polars as pl, pyBigWig
work, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t = pl.read_parquet(f"{work}/results/crossfit/metrics.parquet")
print(f"crossfit target: {end - start:.0f} s wall")
print()
print("| model | fold | chromosomes | positions | accuracy | bits/base |")
print("| --- | --- | --- | --- | --- | --- |")
for r in t.filter((pl.col("chrom") == "all") & (pl.col("class") == "all")).iter_rows(named=True):
    n_chroms = t.filter((pl.col("model") == r["model"]) & (pl.col("class") == "all") & (pl.col("chrom") != "all")
                        & ((pl.col("fold") == r["fold"]) | (r["fold"] == "all"))).height
    print(f"| {r['model']} | {r['fold']} | {n_chroms} | {r['n']:,} | {r['accuracy']:.4f} | {r['bits']:.4f} |")
print()
print("| model | track | size | bytes per scored base |")
print("| --- | --- | --- | --- |")
for model in ("kmer5", "kmer6"):
    n = t.filter((pl.col("model") == model) & (pl.col("fold") == "all") & (pl.col("class") == "all"))["n"][0]
    for track in ("p_ref", "entropy", "p_A"):
        size = os.path.getsize(f"{work}/results/crossfit/scores/{model}/{track}.bw")
        print(f"| {model} | {track} | {size / 1e6:.1f} MB | {size / n:.2f} |")
left = glob.glob(f"{work}/results/crossfit/scores/*/chroms/*/*")
print()
print(f"per-chromosome files left: {len(left)}")
PY
