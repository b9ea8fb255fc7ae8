#!/usr/bin/env bash
# Throughput of the neural models on this machine's CPU (docs/benchmarks.md, "Neural models"):
# training targets per second, one pass per chunk against the seed's windowed form (one target
# per window), for the seed-sized CNN (flank 100) and MLP (flank 50); scoring bases per second
# of each architecture at the seed's sizes, with FLOPs per base and the projected time to
# score a 3.1 Gb genome on one H100. Prints Markdown.
#
#   bench/nn.sh [seconds per measurement, default 20]
# Needs libtorch (scripts/setup.sh --torch). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
echo "## Neural models on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%Y-%m-%d)"
echo
cargo run -q --release --locked --features torch --example nn_bench -- "${1:-20}"
