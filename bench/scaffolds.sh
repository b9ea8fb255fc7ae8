#!/usr/bin/env bash
# A fragmented assembly: 2,000, 20,000 and 100,000 scaffolds of 60 real bases (soft-masked
# yeast chrI cut end to end, then S. aureus cut every 28 bases, as tests/scaffolds.rs does),
# through mask-repeats --dust, make-windows (half the scaffolds train, the rest test),
# count-kmers -k 3 and score-genome. Time should grow linearly with the number of scaffolds.
# Best of 3 wall times, the largest peak RSS of the 3 (GNU time). Prints Markdown.
#
#   bench/scaffolds.sh [threads]     # default 2; needs the release build
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/measure.sh
threads=${1:-2}
bin=$PWD/target/release
data=$PWD/tests/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# scaffolds.fa (the first N records) and splits.yaml (the first half train)
make_genome() {
    python3 - "$1" "$data" <<'PY'
import gzip, sys
n, data = int(sys.argv[1]), sys.argv[2]
def bases(path):
    with gzip.open(path, "rt") as f:
        return "".join(l.strip() for l in f if not l.startswith(">"))
yeast, saureus = bases(f"{data}/yeast_R64_chrI.fa.gz"), bases(f"{data}/saureus_NCTC8325.fa.gz")
pieces = [yeast[i:i + 60] for i in range(0, len(yeast) - 59, 60)]
pieces += [saureus[i:i + 60] for i in range(0, len(saureus) - 59, 28)]
names = [f"scaf_{i:06}" for i in range(n)]
with open("scaffolds.fa", "w") as f:
    f.writelines(f">{name}\n{seq}\n" for name, seq in zip(names, pieces[:n]))
with open("splits.yaml", "w") as f:
    f.write("splits:\n  train: [" + ", ".join(names[: n // 2]) + "]\n  test: rest\n")
PY
}

echo "## Run of $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads"
for n in 2000 20000 100000; do
    rm -f scaffolds.fa*
    make_genome "$n"
    g=scaffolds.fa
    echo
    echo "### $n scaffolds of 60 bases ($((n * 60)) bases, plain FASTA)"
    echo
    echo "| command | seconds | peak MB |"
    echo "| --- | --- | --- |"
    measure 3 "mask-repeats --dust" "$bin/mask-repeats" -g $g --dust -t "$threads" -o rep.bed -q
    measure 3 "make-windows --size 1000 (one window per scaffold)" "$bin/make-windows" -g $g --config splits.yaml --size 1000 -t "$threads" -o w.parquet -q
    measure 3 "count-kmers -k 3 (train half)" "$bin/count-kmers" -g $g --windows w.parquet -k 3 -t "$threads" -o k3.parquet -q
    measure 3 "score-genome -k 3 (test half, p_ref and entropy tracks)" "$bin/score-genome" -g $g --model k3.parquet --windows w.parquet --repeats rep.bed -t "$threads" -o scores -q
done
