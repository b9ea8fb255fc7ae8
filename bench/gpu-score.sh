#!/usr/bin/env bash
# score-genome end to end on a GPU, alone (bench/gpu.sh's step 2 without the training run): a
# gpu-large model trained for 20 steps (weights to score with), then the quality split's test
# positions scored on both strands with --profile, every third test window (5 Mb) and every
# test window (15 Mb, so that start-up weighs less), and the same weights on CUDA and the CPU.
#   bash bench/gpu-carried.sh bench/gpu-score.sh      # on a lent machine, .gpu carried
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
work=${1:-bench-gpu}
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
cores=$(nproc)
awk '$4 == "test" && (++n % 3) == 1' w.bed > third.bed
awk '$4 == "test"' w.bed > all.bed
echo "bench/gpu-score.sh: $(date -u +%T) training" >&2
train-model -g "$g" --windows w.parquet --preset gpu-large --prior train.fmd --steps 20 --max-minutes 0 \
    --device cuda -t "$cores" -o models/gl -q
for r in third all; do
    echo "bench/gpu-score.sh: $(date -u +%T) scoring $r.bed" >&2
    echo "- $r.bed, $(awk '{s += $3 - $2} END {print s}' $r.bed) positions:"
    score-genome -g "$g" -m models/gl --regions $r.bed --repeats soft.bed --device cuda --rc-average \
        -t "$cores" --profile -o scores/$r -q 2>&1 | sed 's/^/  /'
done
head -n 3 third.bed | awk -v OFS='\t' '{print $1, $2, $2 + 4000}' > small.bed
for dev in cpu cuda; do
    score-genome -g "$g" -m models/gl --regions small.bed --device $dev --dtype f32 -t "$cores" \
        --tracks --precision full -o cmp/$dev -q
done
python3 "$repo/bench/p_ref_diff.py" cmp/cpu/p_ref.bw cmp/cuda/p_ref.bw \
    "the same weights on CUDA and the CPU (f32)"
date -u
