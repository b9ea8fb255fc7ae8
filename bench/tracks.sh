#!/usr/bin/env bash
# Compact tracks (docs/benchmarks.md, "Compact tracks"): bytes per base of p_ref and entropy
# for each number of decimals kept (merge-scores --precision D over a full-precision score
# folder), the largest rounding error pyBigWig reads back, and pyBigWig's own writer
# (fixedStep sections) on the same values at 3 decimals.
#
#   bench/tracks.sh [workdir, default bench-quality/compact]
# The source: the 120-minute CNN of bench/budget.sh quality (bench-quality/budget/cnn+markov-120)
# scored with --precision full over the quality table's test positions, into workdir/source.
# Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
work=${1:-bench-quality/compact}
q=bench-quality
src=$work/source
mkdir -p "$work"
if [ ! -f "$src/p_ref.bw" ]; then
    [ -f "$q/budget/cnn+markov-120/weights.safetensors" ] || { echo "bench/tracks.sh: run bench/budget.sh quality first" >&2; exit 2; }
    score-genome -g data/ztritici_IPO323.fa.gz -m "$q/budget/cnn+markov-120" --regions "$q/test_positions.bed" \
        --repeats "$q/soft.bed" --precision full --device cpu -t 2 -o "$src" -q
fi
for d in full 4 3 2 1; do
    rm -rf "${work:?}/$d"
    merge-scores "$src" -o "$work/$d" --precision "$d" -q
done
python3 - "$work" <<'PY'
import os, sys
import numpy as np, pyBigWig
work = sys.argv[1]
full = pyBigWig.open(f"{work}/full/p_ref.bw")
chroms = list(full.chroms().items())
ref = {c: np.array(full.values(c, 0, n), dtype=np.float64) for c, n in chroms}
bases = sum(int((~np.isnan(x)).sum()) for x in ref.values())
print(f"{bases:,} scored positions\n")
print("| decimals | p_ref bytes/base | entropy bytes/base | largest p_ref error |")
print("| --- | --- | --- | --- |")
for d in ["full", "4", "3", "2", "1"]:
    size = {t: os.path.getsize(f"{work}/{d}/{t}.bw") / bases for t in ("p_ref", "entropy")}
    bw = pyBigWig.open(f"{work}/{d}/p_ref.bw")
    err = max(float(np.nanmax(np.abs(np.array(bw.values(c, 0, n), dtype=np.float64) - ref[c]))) for c, n in chroms)
    print(f"| {d} | {size['p_ref']:.2f} | {size['entropy']:.2f} | {err:.1e} |")
out_path = f"{work}/pybigwig3.bw"
out = pyBigWig.open(out_path, "w")
out.addHeader(chroms)
for c, _ in chroms:
    x = ref[c]
    idx = np.flatnonzero(~np.isnan(x))
    if len(idx) == 0:
        continue
    cut = np.flatnonzero(np.diff(idx) != 1)
    for s, e in zip(np.r_[idx[0], idx[cut + 1]], np.r_[idx[cut], idx[-1]] + 1):
        out.addEntries(c, int(s), values=np.round(x[s:e], 3).tolist(), span=1, step=1)
out.close()
print(f"\npyBigWig's writer, fixedStep sections, the same p_ref at 3 decimals: "
      f"{os.path.getsize(out_path) / bases:.2f} bytes/base")
PY
