#!/usr/bin/env bash
# Screens variants of the cpu-small CNN (with the FM-index prior) on one CUDA GPU at the number
# of targets that 120 CPU-minutes give them here (docs/benchmarks.md, "Screening the recipe
# on a GPU"): what takes 2 hours of a core per variant takes minutes of a GPU, all variants
# at once. Each run lays its schedule over its targets (train.max_targets) in strict f32, then
# scores the quality table's test positions on both strands (--rc-average), so a row compares
# with the CPU rows of bench/sweep.sh; the first variant is bench/sweep.sh's c2k-b4-lr3 itself,
# to show how far a GPU run of the same recipe lands from the CPU's.
#
#   bench/gpu-sweep.sh [workdir, default bench-gpu] [minutes, a cap on each training, default 6] [set]
# Sets: recipe (default: weight decay and network size), wd (around weight decay 0.1: another
# seed, a higher peak rate, a wider head).
# Needs the quality split's inputs in the workdir (w.parquet, w.bed, soft.bed, train.fmd: see
# bench/gpu-carry.sh) and the torch build on PATH. GPU_SWEEP_DEVICE=cpu: a dry run on the CPU
# with budgets a thousand times smaller (checks the script, measures nothing). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
work=${1:-bench-gpu}
cap=${2:-6}
set=${3:-recipe}
device=${GPU_SWEEP_DEVICE:-cuda}
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
for f in w.parquet w.bed soft.bed train.fmd; do
    [ -f "$f" ] || { echo "bench/gpu-sweep.sh: $PWD/$f is missing (bench/gpu-carry.sh packs it)" >&2; exit 1; }
done
awk '$4 == "test" && (++n % 3) == 1' w.bed > test_positions.bed
scale=1
if [ "$device" = cpu ]; then
    scale=1000
    awk -v OFS='\t' 'NR <= 2 {print $1, $2, $2 + 1000}' test_positions.bed > t && mv t test_positions.bed
fi
mkdir -p gsweep
# NAME TARGETS WHAT, then the YAML over the cpu-small preset, each with its weight decay (the
# preset's own changed to 0.1 after these runs). Targets: c2k-b4-lr3 saw 127.8 M in
# 120 minutes on one core here; a larger network sees fewer, in proportion to its FLOPs per base
# (1.62 times for 128 channels, 1.38 for 7 layers, whose field of 509 also pads each chunk more).
base='train:\n  chunk: 2048\n  batch: 4\n  warmup: 600\n  valid_every: 500\n  valid_chunks: 32\n  lr: 0.003\n'
case "$set" in
recipe) variants=(
    "c2k-b4-lr3|128000000|c2k-b4-lr3 (weight decay 0.01), as on the CPU|$base  weight_decay: 0.01\n"
    "wd1|128000000|weight decay 0.1|$base  weight_decay: 0.1\n"
    "wd3|128000000|weight decay 0.3|$base  weight_decay: 0.3\n"
    "ch128|78000000|128 channels|$base  weight_decay: 0.01\nmodel:\n  channels: 128\n"
    "ch128-wd1|78000000|128 channels, weight decay 0.1|$base  weight_decay: 0.1\nmodel:\n  channels: 128\n"
    "l7|85000000|7 layers (dilations up to 64)|$base  weight_decay: 0.01\nmodel:\n  kernel_sizes: [5, 5, 5, 5, 5, 5, 5]\n  dilations: [1, 2, 4, 8, 16, 32, 64]\n"
) ;;
wd) wd="$base  weight_decay: 0.1\n"
    variants=(
    "wd1|128000000|weight decay 0.1|$wd"
    "wd1-seed2|128000000|weight decay 0.1, seed 2|$wd  seed: 2\n"
    "wd1-lr5|128000000|weight decay 0.1, peak lr 0.005|${wd/lr: 0.003/lr: 0.005}"
    "wd1-dense512|104000000|weight decay 0.1, a head of 512 then 256|${wd}model:\n  dense: [512, 256]\n"
) ;;
*) echo "bench/gpu-sweep.sh: unknown set $set (recipe, wd)" >&2; exit 1 ;;
esac
cores=$(nproc)
loaders=$(((cores - ${#variants[@]}) / ${#variants[@]}))
[ "$loaders" -ge 1 ] || loaders=1
for v in "${variants[@]}"; do
    IFS='|' read -r name targets _ yaml <<<"$v"
    printf "$yaml" > "gsweep/$name.yaml"
    rm -rf "gsweep/$name"
    train-model -g "$g" --windows w.parquet --preset cpu-small --config "gsweep/$name.yaml" --prior train.fmd \
        --steps 0 --max-targets $((targets / scale)) --max-minutes "$cap" --dtype f32 \
        --loaders "$loaders" --device "$device" -t 1 -o "gsweep/$name" -q 2> "gsweep/$name.log" &
done
wait
for v in "${variants[@]}"; do
    IFS='|' read -r name _ _ _ <<<"$v"
    score-genome -g "$g" -m "gsweep/$name" --regions test_positions.bed --repeats soft.bed --rc-average \
        -t 2 --device "$device" -o "gsweep/scores-$name" -q &
done
wait
echo "| variant | parameters | field | trained | targets seen | test accuracy, both strands | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for v in "${variants[@]}"; do
    IFS='|' read -r name _ what _ <<<"$v"
    m=gsweep/$name
    p=$(awk '/^parameters:/ {print $2}' "$m/config.yaml")
    f=$(awk '/^field:/ {print $2}' "$m/config.yaml")
    last=$(python3 -c "import pyarrow.parquet as pq; t = pq.read_table('$m/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])")
    row "$what" "$p" "$f" "${last% *}" "${last##* }" "gsweep/scores-$name/metrics.tsv"
done
