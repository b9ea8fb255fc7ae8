#!/usr/bin/env bash
# Throughput of the neural models on this machine's CPU (docs/benchmarks.md, "Neural models"):
# training targets per second, one pass per chunk against the seed's windowed form (one target
# per window), for the seed-sized CNN (flank 100) and MLP (flank 50); scoring bases per second
# of each architecture at the seed's sizes, with FLOPs per base and the projected time to
# score a 3.1 Gb genome on one H100. Then every preset before and after the channels-last
# network and the fused optimizer (examples/step_bench.rs, the best of two alternating runs of
# each; gpu-large with one chunk of 1,024 a step), which must not be slower on the CPU. Prints Markdown.
#
#   bench/nn.sh [seconds per measurement, default 20] [presets only: any second argument]
# Needs libtorch (scripts/setup.sh --torch). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
echo "## Neural models on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%Y-%m-%d)"
echo
[ -n "${2:-}" ] || cargo run -q --release --locked --features torch --example nn_bench -- "${1:-20}"
echo
echo "### The presets before and after (channels-last network, fused AdamW)"
echo
cargo run -q --release --locked --features torch --example step_bench -- --device cpu --precisions f32 \
    --presets cpu-small-cnn,cpu-small-lstm,cpu-small-mlp,cpu-small-transformer,seed-cnn,seed-lstm,seed-mlp,gpu-large \
    --seconds "${1:-20}" --repeats 2 --score
