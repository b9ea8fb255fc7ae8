#!/usr/bin/env bash
# The host's work per training step of CUDA's network, measured on the CPU, two builds side by
# side (issue 31: seed-cnn's step on a GPU is bound by the host dispatching libtorch's
# operators, GPU busy 22% on 2026-12-04). Each build's examples/step_bench runs the channels-last
# network (CUDA's layout) with the CNN presets narrowed to 8 channels at chunks of 64, one a
# step, where the arithmetic is negligible and a step's time is the dispatching; the builds
# alternate ROUNDS times (best of each), and each build's operators per step are counted at the
# presets' own shapes (bench/ops.py). On a GPU each operator also launches its kernels, so
# the saving there is at least the host time saved here.
#   bash bench/host.sh OLD_STEP_BENCH NEW_STEP_BENCH [ROUNDS]    # e.g. target/release/examples/step_bench
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 rounds=${3:-3}
py=${PYTHON:-.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/dnactx-host.XXXXXX")
trap 'rm -rf "$work"' EXIT
args=(--device cpu --channels-last --channels 8 --presets seed-cnn,gpu-large --precisions bf16,f32)
for r in $(seq "$rounds"); do
    for b in old new; do
        bin=$old
        [ "$b" = new ] && bin=$new
        "$bin" "${args[@]}" --shapes 64x1 --seconds 3 2> /dev/null \
            | awk -F' *[|] *' -v b="$b" '$4 == "64 x 1" {print b, $2, $3, $6}' >> "$work/rates"
    done
    echo "bench/host.sh: round $r of $rounds done" >&2
done
for b in old new; do
    bin=$old
    [ "$b" = new ] && bin=$new
    OMP_NUM_THREADS=1 "$bin" "${args[@]}" --seconds 0.1 --profile "$work/prof-$b" > /dev/null 2>&1
    "$py" bench/ops.py "$work/prof-$b" 2 0 | awk -F' *[|] *' -v b="$b" \
        '$2 ~ /after/ {split($2, p, "-"); print b, p[1] "-" p[2], p[3], $3}' >> "$work/ops"
done
echo "| preset | precision | operators per step: old | new | host time per step (best of $rounds): old, us | new, us | new / old |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
awk '
    FILENAME ~ /ops$/ { ops[$1, $2, $3] = $4; next }
    { us = 64e6 / $4; k = $2 SUBSEP $3; if (!((k, $1) in best) || us < best[k, $1]) best[k, $1] = us; keys[k] = 1 }
    END {
        for (k in keys) {
            split(k, p, SUBSEP)
            o = ops["old", p[1], p[2]]; n = ops["new", p[1], p[2]]
            printf "| %s | %s | %s | %s | %.0f | %.0f | %.2f |\n", p[1], p[2], o == "" ? "-" : o,
                n == "" ? "-" : n, best[k, "old"], best[k, "new"], best[k, "new"] / best[k, "old"]
        }
    }' "$work/ops" "$work/rates" | sort
