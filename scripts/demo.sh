#!/usr/bin/env bash
# Sets up dnactx and runs the demo pipeline on the bundled genome (data/), writing
# results/ and logs/. Extra arguments go to snakemake (e.g. --cores 4, -n).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
snakemake --cores 2 "$@"
echo "demo done: tracks and metrics in results/scores/, e.g. results/scores/kmer5/metrics.tsv" >&2
