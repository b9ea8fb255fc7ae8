#!/usr/bin/env bash
# Issue 11: does the head gain from knowing how deep the FM-index prior's contexts were found
# (train-model --prior-depth)? On the quality table's split and test positions (bench/budget.sh's
# workdir and inputs), the cpu-small CNN with the FM-index prior (k = 16, alpha 24) for
# MINUTES CPU-minutes, with and without the depth channels, side by side: one libtorch thread
# each, each pinned to its own core (taskset -c 0 and 1), then scored with 2 threads.
#
#   bench/depth.sh [minutes, default 30] [workdir, default bench-quality]
# Needs the torch build and bench/budget.sh's inputs (w.parquet, soft.bed, train.fmd,
# test_positions.bed: run `bench/budget.sh quality` once, or its first lines). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
quality_workdir bench/depth.sh 30 "$@"
mkdir -p depth
core=0
for variant in markov depth; do
    m=depth/cnn+$variant-$minutes
    flags=()
    [ "$variant" = depth ] && flags=(--prior-depth)
    if [ ! -f "$m/weights.safetensors" ]; then
        rm -rf "$m"
        taskset -c "$core" train-model -g "$g" --windows w.parquet --preset cpu-small --architecture cnn \
            --prior train.fmd "${flags[@]}" --steps 0 --max-minutes "$minutes" -t 1 --device cpu -o "$m" -q &
    fi
    core=$((core + 1))
done
wait
echo "| model | parameters | field | trained | targets seen | test accuracy | bits/base | repeat acc | non-repeat acc | repeat bits | non-repeat bits |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for variant in markov depth; do
    a=cnn+$variant-$minutes
    [ -f "scores/depth-$a/metrics.tsv" ] || score-genome -g "$g" -m "depth/$a" --regions test_positions.bed \
        --repeats soft.bed -t 2 --device cpu -o "scores/depth-$a" -q
    p=$(awk '/^parameters:/ {print $2}' "depth/$a/config.yaml")
    f=$(awk '/^field:/ {print $2}' "depth/$a/config.yaml")
    last=$(python3 -c "import pyarrow.parquet as pq; t = pq.read_table('depth/$a/metrics.parquet').to_pylist()[-1]; print(f\"{t['wall_seconds']/60:.1f} min, {t['step']} steps\", t['targets_seen'])")
    what=$([ "$variant" = depth ] && echo "with the depth channels" || echo "without")
    row "cpu-small cnn + Markov prior, $minutes CPU-minutes, $what" "$p" "$f" "${last% *}" "${last##* }" "scores/depth-$a/metrics.tsv"
done
