#!/usr/bin/env bash
# The open targets of issue 31 on a GPU, in one call of about 8 minutes (after the run of
# 2026-12-04, docs/benchmarks.md "Against the targets of issue 31"): seed-cnn's training steps
# at its preset's shape, three alternating runs (target 2 M targets/s, host-bound then), with
# its kernels and host operators per step profiled; gpu-large's bare scoring pass at the
# preset's chunks of 4,096 (target 3 M bases/s per strand); seed-cnn's step as a CUDA graph
# (step_bench_graph --graph, where bench/gpu-carry.sh could build it); then bench/gpu-score.sh
# (score-genome end to end on both strands, every test window, data-wait share), and
# bench/gpu-lstm.sh (the LSTM's chunks packed into CUDA's rows against the CPU's, seconds).
#   bash bench/gpu-carried.sh bench/gpu-targets.sh     # on a lent machine, .gpu carried
#   GPU_BENCH_DEVICE=cpu bash bench/gpu-targets.sh      # a dry run of the steps on the CPU
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${1:-bench-gpu}
device=${GPU_BENCH_DEVICE:-cuda}
step_bench=$repo/target/release/examples/step_bench
mkdir -p "$work"
stage() { echo "bench/gpu-targets.sh: $(date -u +%T) $*" >&2; }
seconds=3
[ "$device" = cuda ] || seconds=0.1
echo "## The open targets of issue 31 on $( [ "$device" = cuda ] && nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1 || echo 'the CPU (a dry run)'), $(date -u +%Y-%m-%d)"
echo
stage "seed-cnn training steps, bf16, 3 runs"
"$step_bench" --device "$device" --presets seed-cnn --precisions bf16 --seconds "$seconds" --repeats 3 \
    --profile "$work/prof-targets" 2> "$work/targets-seed.log" | tee "$work/targets-seed.md"
echo
echo "### seed-cnn: device kernels, and host operators, per profiled step"
echo
python3 "$repo/bench/kernels.py" "$work/prof-targets" 2 || echo "(bench/kernels.py failed)"
echo
python3 "$repo/bench/ops.py" "$work/prof-targets" 2 || echo "(bench/ops.py failed)"
if [ "$device" = cuda ] && [ -x "$step_bench"_graph ]; then
    stage "seed-cnn's step as a CUDA graph"
    echo
    "$step_bench"_graph --device cuda --presets seed-cnn --precisions bf16 --seconds "$seconds" --repeats 2 \
        --graph --no-train 2> "$work/targets-graph.log" | tee "$work/targets-graph.md" \
        || { echo "(step_bench --graph failed:)"; tail -n 5 "$work/targets-graph.log"; }
fi
if [ "$device" = cuda ]; then
    stage "gpu-large scoring passes at the preset's shape"
    echo
    "$step_bench" --device cuda --presets gpu-large --precisions bf16 --seconds "$seconds" --repeats 2 \
        --score --no-train 2> "$work/targets-score.log" | tee "$work/targets-score.md"
    echo
    stage "score-genome end to end"
    bash "$repo/bench/gpu-score.sh" "$work"
fi
stage "the LSTM packed, against the CPU"
bash "$repo/bench/gpu-lstm.sh" "$work" || echo "(bench/gpu-lstm.sh failed)"
stage done
