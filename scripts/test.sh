#!/usr/bin/env bash
# Sets up dnactx with the peer tools and runs every test: Rust unit, property and
# end-to-end tests (cargo test), then the independent-reader and peer-tool tests and the
# workflow run on .test/config.yaml (pytest tests/python).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --peers
export PATH="$PWD/target/release:$PWD/.venv/bin:$PATH"
printf '\n== cargo test --release --locked\n' >&2
cargo test --release --locked
printf '\n== pytest tests/python\n' >&2
pytest -q tests/python
echo "all tests passed" >&2
