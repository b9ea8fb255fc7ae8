#!/usr/bin/env bash
# Sets up dnactx with libtorch and the peer tools, then runs every test: the build without
# the torch feature (the k-mer pipeline needs no libtorch), Rust unit, property and
# end-to-end tests including the neural models (cargo test), then the independent-reader
# and peer-tool tests and the workflow run on .test/config.yaml (pytest tests/python).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --peers --torch
. scripts/env.sh
printf '\n== cargo check --release --locked (no torch feature)\n' >&2
cargo check --release --locked --bins
printf '\n== cargo test --release --locked --features torch\n' >&2
cargo test --release --locked --features torch
scripts/build.sh --torch   # cargo test relinked the k-mer tools with libtorch: the lean ones back
printf '\n== pytest tests/python\n' >&2
pytest -q tests/python
echo "all tests passed" >&2
