#!/usr/bin/env bash
# Issue 11: the batch size and learning rate of the cpu-small CNN with the FM-index prior under a
# time budget. On the quality table's split and test positions (bench/budget.sh's workdir and
# inputs), runs of MINUTES CPU-minutes side by side, each pinned to its own core (taskset -c 0
# and 1 in turn: give two variants at a time), one libtorch thread and batches made on the
# training thread (--prefetch 0). The variants:
#   - b16: the preset as it is: 16 chunks of 1,024 targets per step, warm-up 300 steps,
#   - b8: 8 chunks per step (twice the steps for the same targets), warm-up 600 steps (the
#     same targets), validation every 500 steps (the same share of the time),
#   - b4: 4 chunks per step, warm-up 1,200 steps, validation every 1,000 steps,
#   - b8-lr3: b8 with a peak learning rate of 0.003 instead of 0.002,
#   - c2k-b4-lr3: chunks of 2,048 targets, 4 per step (b8-lr3's targets per step, half the
#     flank padding), 32 validation chunks (the same validation positions per score),
#   - c2k-b2: chunks of 2,048 targets, 2 per step (b4's targets per step), lr 0.002,
#   - c2k-b4-lr3-wd05, c2k-b4-lr3-wd1: c2k-b4-lr3 with weight decay 0.05 and 0.1 (0.01 before),
#   - c2k-b4-lr3-wd1-r2: c2k-b4-lr3-wd1 again (the cpu-small preset since 2026-11-27), run on a
#     quiet machine (the first run shared its start with builds),
#   - c2k-b4-lr3-wd1-min0: c2k-b4-lr3-wd1 with the rate decayed to 0 (min_lr_ratio 0, not
#     0.05), the "decay to zero" of Bergsma et al. 2025 for long runs over few parameters,
#   - c2k-b4-lr3-wd1-ema: c2k-b4-lr3-wd1 validated and saved as the average of its weights
#     (train.ema 0.999: about the last 1,000 of its 15,000 steps),
#   - c2k-b4-lr3-wd1-s2: c2k-b4-lr3-wd1 with seed 2 (other weights at the start, other batches).
# SWEEP_CORE: the core of the first run (default 0; the next run takes the other core).
# Since the prior cache (train.prior_cache_mb), runs look each train position's prior up once.
# Then each is scored with 2 threads on the test positions, as it is and with --rc-average
# (both strands). Finished models and score folders are reused: delete them to redo them.
#
#   bench/sweep.sh [minutes, default 120] [workdir, default bench-quality] [variants, default b16 b8]
# Needs the torch build and bench/budget.sh's inputs (w.parquet, soft.bed, train.fmd,
# test_positions.bed). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
quality_workdir bench/sweep.sh 120 "$@"
shift $(($# < 2 ? $# : 2))
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(b16 b8)
mkdir -p budget sweep scores
# every variant spells out its whole train section: the cpu-small preset itself changed to
# c2k-b4-lr3-wd1 on 2026-11-27, and these are the recipes the runs of docs/benchmarks.md used
# recipe NAME CHUNK BATCH WARMUP VALID_EVERY VALID_CHUNKS LR WEIGHT_DECAY [MIN_LR_RATIO, 0.05] [EMA, 0] [SEED, 1]
recipe() {
    printf 'train:\n  chunk: %s\n  batch: %s\n  warmup: %s\n  valid_every: %s\n  valid_chunks: %s\n  lr: %s\n  weight_decay: %s\n  min_lr_ratio: %s\n  ema: %s\n  seed: %s\n' \
        "${@:2:7}" "${9:-0.05}" "${10:-0}" "${11:-1}" > "sweep/$1.yaml"
}
recipe b16 1024 16 300 250 128 0.002 0.01
recipe b8 1024 8 600 500 128 0.002 0.01
recipe b4 1024 4 1200 1000 128 0.002 0.01
recipe b8-lr3 1024 8 600 500 128 0.003 0.01
recipe c2k-b4-lr3 2048 4 600 500 32 0.003 0.01
recipe c2k-b2 2048 2 1200 1000 32 0.002 0.01
recipe c2k-b4-lr3-wd05 2048 4 600 500 32 0.003 0.05
recipe c2k-b4-lr3-wd1 2048 4 600 500 32 0.003 0.1
recipe c2k-b4-lr3-wd1-r2 2048 4 600 500 32 0.003 0.1
recipe c2k-b4-lr3-wd1-min0 2048 4 600 500 32 0.003 0.1 0
recipe c2k-b4-lr3-wd1-ema 2048 4 600 500 32 0.003 0.1 0.05 0.999
recipe c2k-b4-lr3-wd1-s2 2048 4 600 500 32 0.003 0.1 0.05 0 2
declare -A what=([b16]="16 chunks per step (the preset until 2026-11-27)" [b8]="8 chunks per step"
    [b4]="4 chunks per step" [b8-lr3]="8 chunks per step, peak lr 0.003"
    [c2k-b4-lr3]="4 chunks of 2,048 per step, peak lr 0.003" [c2k-b2]="2 chunks of 2,048 per step"
    [c2k-b4-lr3-wd05]="4 chunks of 2,048 per step, peak lr 0.003, weight decay 0.05"
    [c2k-b4-lr3-wd1]="4 chunks of 2,048 per step, peak lr 0.003, weight decay 0.1"
    [c2k-b4-lr3-wd1-r2]="4 chunks of 2,048 per step, peak lr 0.003, weight decay 0.1 (the preset), rerun on a quiet machine"
    [c2k-b4-lr3-wd1-min0]="4 chunks of 2,048 per step, peak lr 0.003, weight decay 0.1, decay to 0"
    [c2k-b4-lr3-wd1-ema]="4 chunks of 2,048 per step, peak lr 0.003, weight decay 0.1, average of the weights (ema 0.999)"
    [c2k-b4-lr3-wd1-s2]="4 chunks of 2,048 per step, peak lr 0.003, weight decay 0.1, seed 2")
model_dir() { [ "$1" = b16 ] && echo "budget/cnn+markov-$minutes" || echo "sweep/cnn-$1-$minutes"; }
for v in "${variants[@]}"; do
    [ -n "${what[$v]:-}" ] || { echo "bench/sweep.sh: unknown variant $v (${!what[*]})" >&2; exit 1; }
done
core=${SWEEP_CORE:-0}
for v in "${variants[@]}"; do
    m=$(model_dir "$v")
    if [ ! -f "$m/weights.safetensors" ]; then
        rm -rf "$m"
        taskset -c "$core" train-model -g "$g" --windows w.parquet --preset cpu-small --config "sweep/$v.yaml" \
            --prior train.fmd --steps 0 --max-minutes "$minutes" --prefetch 0 -t 1 --device cpu -o "$m" -q &
    fi
    core=$(((core + 1) % 2))
done
wait
echo "| model | parameters | field | trained | targets seen | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for v in "${variants[@]}"; do
    m=$(model_dir "$v")
    p=$(awk '/^parameters:/ {print $2}' "$m/config.yaml")
    f=$(awk '/^field:/ {print $2}' "$m/config.yaml")
    last=$(python3 -c "import pyarrow.parquet as pq; t = pq.read_table('$m/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])")
    for rc in "" --rc-average; do
        s=scores/sweep-$v-$minutes$rc
        [ -f "$s/metrics.tsv" ] || score-genome -g "$g" -m "$m" --regions test_positions.bed \
            --repeats soft.bed $rc -t 2 --device cpu -o "$s" -q
        row "cpu-small cnn + Markov prior, $minutes CPU-minutes, ${what[$v]}${rc:+, both strands}" \
            "$p" "$f" "${last% *}" "${last##* }" "$s/metrics.tsv"
    done
done
