#!/usr/bin/env bash
# Sets up dnactx and runs the demo pipeline on the bundled genome (data/), writing
# results/ and logs/. Extra arguments go to snakemake (e.g. --cores 4, -n).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --torch
. scripts/env.sh
snakemake --cores 2 "$@"
echo "demo done: results/report.html, results/comparison.tsv, tracks in results/scores/" >&2
