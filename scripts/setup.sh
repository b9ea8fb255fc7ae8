#!/usr/bin/env bash
# Sets up dnactx on a fresh Debian/Ubuntu machine with a Rust toolchain and Python 3:
#   - the release build of the binaries (target/release),
#   - a project-local Python venv (.venv) with Snakemake and the readers (requirements.txt),
#   - with --peers: the peer tools the tests compare against (jellyfish, dustmasker from
#     ncbi-blast+, samtools, bedtools, tabix), from Debian's packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

peers=0
for arg in "$@"; do
    case "$arg" in
        --peers) peers=1 ;;
        *) echo "usage: scripts/setup.sh [--peers]" >&2; exit 2 ;;
    esac
done

step() { printf '\n== %s\n' "$*" >&2; }

if [ "$peers" = 1 ]; then
    missing=()
    for pair in jellyfish:jellyfish dustmasker:ncbi-blast+ samtools:samtools bedtools:bedtools bgzip:tabix; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        step "installing peer tools: ${missing[*]}"
        if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
            echo "error: need root or sudo to install ${missing[*]} (apt-get)" >&2; exit 1; fi
        $sudo apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
    fi
fi

step "Python venv (.venv) from requirements.txt"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt

step "building dnactx (cargo build --release --locked)"
cargo build --release --locked

echo "dnactx is set up: binaries in target/release, Snakemake in .venv/bin" >&2
