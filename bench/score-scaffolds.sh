#!/usr/bin/env bash
# score-genome with a network on a draft assembly of many small scaffolds (issue 31): the
# demo genome's chr_1 cut end to end into N scaffolds of LEN bases (real sequence), the first
# half the train split, a model of PRESET trained for 2 steps (a rate, not a model), the test
# half scored on the CPU by the OLD and NEW builds alternating (two runs each): wall time,
# score-genome --profile's lines, and whether the two builds' tracks agree. Then the NEW
# build with DNACTX_FIXED_SHAPES=1, the layout CUDA runs (every pass one batch x (chunk + 2
# field) shape), where --profile counts the passes and the share of the positions they ran
# that were predicted; the OLD build's CUDA layout ran one such pass per scaffold, its share
# printed from the model's shape. Prints Markdown.
#
#   bench/score-scaffolds.sh OLD_BIN_DIR [NEW_BIN_DIR] [N=2000] [LEN=1000] [PRESET=cpu-small-cnn] [THREADS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
old=$1
new=${2:-$repo/target/release}
n=${3:-2000}
len=${4:-1000}
preset=${5:-cpu-small-cnn}
threads=${6:-2}
py=${PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$py" - "$n" "$len" "$repo/data/ztritici_IPO323.fa.gz" <<'PY'
import gzip, sys
n, size, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
seq, on = [], False
with gzip.open(path, "rt") as f:
    for line in f:
        if line.startswith(">"):
            if on:
                break
            on = True
        else:
            seq.append(line.strip())
chrom = "".join(seq)
assert n * size <= len(chrom), f"chr_1 holds {len(chrom)} bases, not {n} x {size}"
names = [f"scaffold_{i:06}" for i in range(n)]
with open("scaffolds.fa", "w") as f:
    f.writelines(f">{name}\n{chrom[i * size:(i + 1) * size]}\n" for i, name in enumerate(names))
with open("splits.yaml", "w") as f:
    f.write("splits:\n  train: [" + ", ".join(names[: n // 2]) + "]\n  test: rest\n")
PY
"$new/make-windows" -g scaffolds.fa --config splits.yaml --size "$len" -t "$threads" -o w.parquet -q
"$new/train-model" -g scaffolds.fa --windows w.parquet --preset "$preset" --steps 2 --device cpu \
    -t "$threads" -o model -q 2> train.log || { cat train.log >&2; exit 1; }
echo "## score-genome on $n scaffolds of $len bases, $preset, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads"
echo
echo "| build | run | wall s | score-genome --profile |"
echo "| --- | --- | --- | --- |"
score() { # label bin out [env...]
    local label=$1 bin=$2 out=$3
    shift 3
    local t0 t1
    t0=$(date +%s.%N)
    env "$@" "$bin/score-genome" -g scaffolds.fa --model model --windows w.parquet --device cpu \
        -t "$threads" --precision full --profile -q -o "$out" 2> "$out.log" || { cat "$out.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    printf '| %s | %s | %.1f | %s |\n' "$label" "$out" "$(echo "$t1 - $t0" | bc)" \
        "$(grep '^score-genome:' "$out.log" | sed 's/^score-genome: //' | paste -sd ';' | sed 's/|/\\|/g')"
}
for r in 1 2; do
    score old "$old" "old$r"
    score new "$new" "new$r"
done
score "new, DNACTX_FIXED_SHAPES=1 (CUDA's layout)" "$new" fixed DNACTX_FIXED_SHAPES=1
echo
"$py" - model/config.yaml old1 new1 fixed <<'PY'
import sys, yaml, pyBigWig, math
cfg = yaml.safe_load(open(sys.argv[1]))
field, batch, chunk = cfg["field"], cfg["train"]["batch"], max(cfg["train"]["chunk"], 256)
def values(folder):
    bw = pyBigWig.open(f"{folder}/p_ref.bw")
    out = {c: bw.values(c, 0, n) for c, n in bw.chroms().items()}
    bw.close()
    return out
old, new, fixed = (values(f) for f in sys.argv[2:5])
def diff(a, b):
    worst, both_nan = 0.0, True
    assert a.keys() == b.keys()
    for c in a:
        for x, y in zip(a[c], b[c]):
            if math.isnan(x) != math.isnan(y):
                return float("inf")
            if not math.isnan(x):
                worst = max(worst, abs(x - y))
    return worst
scaffolds = len(new)
scored = sum(sum(not math.isnan(v) for v in vals) for vals in new.values())
print(f"p_ref (every digit), largest difference: old vs new {diff(old, new):.2g}; new vs new with CUDA's layout {diff(new, fixed):.2g} ({scaffolds} scaffolds, {scored} positions with a value)")
width = chunk + 2 * field
per = scored / scaffolds
print(f"\nThe old build's CUDA layout: one pass of {batch} x {width} positions per scaffold, "
      f"{scaffolds} passes, {100 * per / (batch * width):.1f}% of the positions they ran predicted.")
PY
