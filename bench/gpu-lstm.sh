#!/usr/bin/env bash
# The LSTM's chunks packed into CUDA's rows (each at a multiple of its block) against the
# CPU's one chunk a row: cpu-small-lstm trained a few steps, 400 short intervals (10 to 200
# bases, so many chunks share a row) of the quality split's test windows scored with
# --rc-average in f32 on both devices, the largest p_ref difference and CUDA's passes.
# A dry run on the CPU (GPU_BENCH_DEVICE=cpu) emulates CUDA's network and rows instead
# (DNACTX_FIXED_SHAPES=1 DNACTX_CHANNELS_LAST=1).
#   bash bench/gpu-lstm.sh [workdir, default bench-gpu]   # the quality split's w.bed, w.parquet
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
. bench/lib.sh
work=${1:-bench-gpu}
device=${GPU_BENCH_DEVICE:-cuda}
mkdir -p "$work"
cd "$work"
# the windows: carried to the device by bench/gpu-carried.sh, made here for a dry run
[ "$device" = cuda ] || quality_windows
g=$repo/data/ztritici_IPO323.fa.gz
cores=$(nproc)
awk -v OFS='\t' '$4 == "test" && n < 400 {s = $2 + 1000; for (i = 0; i < 20 && n < 400; i++) {
    len = 10 + (n * 37) % 191; print $1, s, s + len; s += len + 500; n++ }}' w.bed > lstm.bed
train-model -g "$g" --windows w.parquet --preset cpu-small-lstm --steps 3 --max-minutes 0 \
    --device "$device" -t "$cores" -o models/lstm -q
score() {  # name, then the environment for score-genome
    local name=$1 dev=cpu; shift
    [ "$name" = cpu ] || dev=$device
    env "$@" score-genome -g "$g" -m models/lstm --regions lstm.bed --device "$dev" --dtype f32 \
        --rc-average --precision full -t "$cores" --profile -o "cmp-lstm/$name" 2> "cmp-lstm-$name.log"
}
mkdir -p cmp-lstm
score cpu DNACTX_FIXED_SHAPES=0 DNACTX_CHANNELS_LAST=0
if [ "$device" = cuda ]; then score cuda; else score cuda DNACTX_FIXED_SHAPES=1 DNACTX_CHANNELS_LAST=1; fi
echo "- the LSTM on $(awk '{s += $3 - $2} END {print NR " intervals, " s}' lstm.bed) positions, both strands:"
for n in cpu cuda; do grep '^score-genome:' "cmp-lstm-$n.log" | sed "s/^/  $n: /"; done
python3 "$repo/bench/p_ref_diff.py" cmp-lstm/cpu/p_ref.bw cmp-lstm/cuda/p_ref.bw \
    "the LSTM, packed (CUDA) and one chunk a row (CPU), f32"
