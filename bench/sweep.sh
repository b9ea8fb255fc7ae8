#!/usr/bin/env bash
# Issue 11: the batch size of the cpu-small CNN with the FM-index prior under a time budget.
# On the quality table's split and test positions (bench/budget.sh's workdir and inputs), two
# runs of MINUTES CPU-minutes side by side, each pinned to its own core (taskset -c 0 and 1),
# one libtorch thread and batches made on the training thread (--prefetch 0):
#   - the preset as it is: 16 chunks of 1,024 targets per step, warm-up 300 steps,
#   - 8 chunks per step (twice the steps for the same targets), warm-up 600 steps (the same
#     targets), validation every 500 steps (the same share of the time).
# Then each is scored with 2 threads on the test positions, as it is and with --rc-average
# (both strands). Finished models and score folders are reused: delete them to redo them.
#
#   bench/sweep.sh [minutes, default 120] [workdir, default bench-quality]
# Needs the torch build and bench/budget.sh's inputs (w.parquet, soft.bed, train.fmd,
# test_positions.bed). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
minutes=${1:-120}
work=${2:-bench-quality}
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
need_inputs bench/sweep.sh
mkdir -p budget sweep scores
printf 'train:\n  batch: 8\n  warmup: 600\n  valid_every: 500\n' > sweep/b8.yaml
declare -A model=([b16]=budget/cnn+markov-$minutes [b8]=sweep/cnn-b8-$minutes)
core=0
for v in b16 b8; do
    m=${model[$v]}
    flags=()
    [ "$v" = b8 ] && flags=(--config sweep/b8.yaml)
    if [ ! -f "$m/weights.safetensors" ]; then
        rm -rf "$m"
        taskset -c "$core" train-model -g "$g" --windows w.parquet --preset cpu-small "${flags[@]}" \
            --prior train.fmd --steps 0 --max-minutes "$minutes" --prefetch 0 -t 1 --device cpu -o "$m" -q &
    fi
    core=$((core + 1))
done
wait
echo "| model | parameters | field | trained | targets seen | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for v in b16 b8; do
    m=${model[$v]}
    p=$(awk '/^parameters:/ {print $2}' "$m/config.yaml")
    f=$(awk '/^field:/ {print $2}' "$m/config.yaml")
    last=$(python3 -c "import pyarrow.parquet as pq; t = pq.read_table('$m/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])")
    what=$([ "$v" = b8 ] && echo "8 chunks per step" || echo "16 chunks per step (the preset)")
    for rc in "" --rc-average; do
        s=scores/sweep-$v-$minutes$rc
        [ -f "$s/metrics.tsv" ] || score-genome -g "$g" -m "$m" --regions test_positions.bed \
            --repeats soft.bed $rc -t 2 --device cpu -o "$s" -q
        row "cpu-small cnn + Markov prior, $minutes CPU-minutes, $what${rc:+, both strands}" \
            "$p" "$f" "${last% *}" "${last##* }" "$s/metrics.tsv"
    done
done
