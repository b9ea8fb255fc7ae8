#!/usr/bin/env bash
# Runs one fuzz target for N seconds (default 600), one process:
#   fuzz/run.sh fasta 600
#   fuzz/run.sh bed 60 -seed=1            # extra arguments go to libFuzzer
# Installs cargo-fuzz when it is missing. The toolchain may be stable: cargo fuzz needs
# nightly flags (-Zsanitizer), which RUSTC_BOOTSTRAP=1 lets a stable rustc take.
# New inputs go to fuzz/corpus/TARGET (seeded from fuzz/seeds/TARGET), crashes to
# fuzz/artifacts/TARGET. Every target shares fuzz/target, built once with the same flags.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]; targets: $(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v dnactx-fuzz | tr '\n' ' ')}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
case $target in
bed) dict=bed.dict ;;
fasta*) dict=fasta.dict ;;
vcf) dict=vcf.dict ;;
*) dict= ;;
esac
mkdir -p "corpus/$target" "seeds/$target"
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run -O -a --codegen-units 16 "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=30 -max_len=4096 -print_final_stats=1 ${dict:+-dict=$dict} "$@"
