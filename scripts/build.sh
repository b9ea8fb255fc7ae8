#!/usr/bin/env bash
# Builds the release binaries into target/release: with --torch every tool with the neural
# models (cargo feature torch), then, with or without it, the tools that never predict with a
# network (mask-repeats, make-windows, count-kmers, merge-scores, index-genome, query-index, find-copies) without the feature, so they
# start without loading libtorch (0.4 s and 110 MB at each start with it). Both builds share
# every dependency (see Cargo.toml), so the second costs one more compile of dnactx alone.
# Run again after `cargo test --features torch`, which relinks every binary with libtorch.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --torch ]; then
    printf '\n== cargo build --release --locked --features torch\n' >&2
    cargo build --release --locked --features torch
fi
kmer_tools=(--bin mask-repeats --bin make-windows --bin count-kmers --bin merge-scores --bin index-genome --bin query-index --bin find-copies)
printf '\n== cargo build --release --locked %s (without libtorch)\n' "${kmer_tools[*]}" >&2
if [ "${1:-}" = --torch ]; then
    cargo build --release --locked "${kmer_tools[@]}"
else
    cargo build --release --locked
fi
