#!/usr/bin/env bash
# The neural models on a CUDA GPU (docs/benchmarks.md, "On a GPU"): on the demo genome's
# quality split (train chr_1..chr_7, test chr_8..chr_21), the seed-sized CNN and the
# gpu-large preset (with the FM-index prior), each in f32 (strict), tf32 and bf16:
#   - training: targets/s and the share of each step spent waiting for data (train-model
#     --profile; metrics.parquet's data_wait), for a fixed number of minutes;
#   - scoring: bases/s of score-genome over the test positions (every third test window);
#   - CUDA against CPU: the same weights scored in f32 on both agree within 1e-4 (p_ref);
#   - the projection to a 3.1 Gb human genome from these measured rates.
#
#   bench/gpu.sh [workdir] [minutes per training, default 5; fractions allowed]   # default workdir: bench-gpu/
# Needs a CUDA device and the CUDA build of libtorch: DNACTX_TORCH=full scripts/setup.sh --torch
# on the GPU node. Fails with a clear message where there is no CUDA device. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
work=${1:-bench-gpu}
minutes=${2:-5}
die() { echo "bench/gpu.sh: $*" >&2; exit 2; }
# GPU_BENCH_DEVICE=cpu: a dry run of this script's steps on the CPU, on 2 kb of test positions
# (checks the script, measures nothing worth writing down); GPU_BENCH_PRESETS: the presets to run
device=${GPU_BENCH_DEVICE:-cuda}
presets=${GPU_BENCH_PRESETS:-seed-cnn gpu-large}
if [ "$device" = cuda ]; then
    command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 \
        || die "no CUDA device here (nvidia-smi finds none): run this on a GPU node"
fi
command -v train-model >/dev/null 2>&1 \
    || die "train-model is not built: run DNACTX_TORCH=full scripts/setup.sh --torch first"
# libtorch must see the device too (a lean CPU libtorch does not)
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
make-windows -g "$repo/tests/data/yeast_R64_chrI.fa.gz" --train chrI -o "$probe/w.parquet" -q
if ! out=$(train-model -g "$repo/tests/data/yeast_R64_chrI.fa.gz" --windows "$probe/w.parquet" \
        --preset cpu-small --steps 1 --max-minutes 0 --device "$device" -o "$probe/m" -q 2>&1); then
    grep -q "no CUDA device" <<<"$out" \
        && die "libtorch sees no CUDA device (a CPU build of libtorch?): run DNACTX_TORCH=full scripts/setup.sh --torch"
    die "train-model failed on CUDA: $out"
fi
mkdir -p "$work"
cd "$work"
g=$repo/data/ztritici_IPO323.fa.gz
cores=$(nproc)
loaders=$((cores > 4 ? cores - 2 : 2))
[ -f w.parquet ] || make-windows -g "$g" --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 --test rest \
    --valid-fraction 0.05 --seed 1 -o w.parquet --bed w.bed -q
[ -f soft.bed ] || mask-repeats -g "$g" -o soft.bed -q
awk '$4 == "test" && (++n % 3) == 1' w.bed > test_positions.bed
if [ "$device" = cpu ]; then
    awk -v OFS='\t' 'NR <= 2 {print $1, $2, $2 + 1000}' test_positions.bed > t && mv t test_positions.bed
fi
[ -f train.fmd ] || index-genome -g "$g" --windows w.parquet --split train -t "$cores" -o train.fmd -q
test_bases=$(awk '{s += $3 - $2} END {print s}' test_positions.bed)
if [ "$device" = cuda ]; then
    gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
else
    gpu="the CPU (a dry run)"
fi

echo "## On $gpu, $cores CPU cores, $(date -u +%Y-%m-%d)"
echo
echo "Training for $minutes minutes each (time budget), $loaders loader threads; scoring the $test_bases test positions."
echo
echo "| model | precision | parameters | field | train targets/s | waiting for data | score bases/s | test accuracy | bits/base |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
# a report every 50 steps (the presets' 500 and 1000 are sized for hours), so that the rate can
# be read between the first report and the last even in a short run
printf 'train:\n  valid_every: 50\n  valid_chunks: 64\n' > short.yaml
for preset in $presets; do
    for precision in f32 tf32 bf16; do
        m=models/$preset-$precision
        rm -rf "$m" "scores/$preset-$precision"
        mkdir -p models
        train-model -g "$g" --windows w.parquet --preset "$preset" --config short.yaml --prior train.fmd \
            --steps 0 --max-minutes "$minutes" --precision "$precision" --loaders "$loaders" \
            --device "$device" -t "$cores" --profile -o "$m" -q 2> "$m.log"
        start=$(date +%s.%N)
        score-genome -g "$g" -m "$m" --regions test_positions.bed --repeats soft.bed --device "$device" \
            --dtype "$precision" -t "$cores" -o "scores/$preset-$precision" -q
        secs=$(python3 -c "print($(date +%s.%N) - $start)")
        python3 - "$m" "scores/$preset-$precision/metrics.tsv" "$preset" "$precision" "$test_bases" "$secs" <<'PY'
import sys, yaml, pyarrow.parquet as pq
folder, tsv, preset, precision, bases, secs = sys.argv[1:]
cfg = yaml.safe_load(open(f"{folder}/config.yaml"))
rows = pq.read_table(f"{folder}/metrics.parquet").to_pylist()
# the rate after the first validation (start-up and CUDA warm-up left out)
a, b = rows[0], rows[-1]
rate = (b["targets_seen"] - a["targets_seen"]) / max(b["wall_seconds"] - a["wall_seconds"], 1e-9)
wait = sum(r["data_wait"] for r in rows[1:]) / max(len(rows) - 1, 1)
head = open(tsv).readline().rstrip("\n").split("\t")
# the base rows (tables with a target column also have pair and type rows)
m = {l.split("\t")[0] + "/" + l.split("\t")[1]: l.rstrip("\n").split("\t") for l in open(tsv)
     if "target" not in head or l.rstrip("\n").split("\t")[-1] == "base"}
row = dict(zip(head, m["all/all"]))
print(f"| {preset} | {precision} | {cfg['parameters']} | {cfg['field']} | {rate:,.0f} | {100 * wait:.1f}% "
      f"| {int(bases) / float(secs):,.0f} | {float(row['accuracy']):.4f} | {float(row['bits']):.4f} |")
with open("rates.tsv", "a") as f:
    f.write(f"{preset}\t{precision}\t{rate}\t{int(bases) / float(secs)}\t{wait}\n")
PY
    done
done

echo
echo "### The same weights on CUDA and on the CPU (f32)"
echo
# 4 kb at the start of three test windows: enough positions, and gpu-large stays quick on the CPU
head -n 3 test_positions.bed | awk -v OFS='\t' '{print $1, $2, $2 + 4000}' > small.bed
for preset in $presets; do
    m=models/$preset-f32
    for dev in cpu "$device"; do
        rm -rf "cmp/$preset-$dev"
        score-genome -g "$g" -m "$m" --regions small.bed --device "$dev" --dtype f32 -t "$cores" \
            --tracks -o "cmp/$preset-$dev" -q
    done
    python3 - "cmp/$preset-cpu/p_ref.bw" "cmp/$preset-$device/p_ref.bw" "$preset" <<'PY'
import sys, numpy as np, pyBigWig
a, b = (pyBigWig.open(p) for p in sys.argv[1:3])
worst, n = 0.0, 0
for chrom, length in a.chroms().items():
    x = np.array(a.values(chrom, 0, length), dtype=float)
    y = np.array(b.values(chrom, 0, length), dtype=float)
    ok = ~np.isnan(x)
    assert (ok == ~np.isnan(y)).all(), "the two devices scored different positions"
    if ok.any():
        worst = max(worst, float(np.abs(x[ok] - y[ok]).max()))
        n += int(ok.sum())
verdict = "within 1e-4" if worst <= 1e-4 else "NOT within 1e-4"
print(f"- {sys.argv[3]}: {n} positions, largest |p_ref(cuda) - p_ref(cpu)| = {worst:.2e}: {verdict}")
PY
done

echo
echo "### Projected to a human genome (3.1 Gb; train split 1.5 Gb), from the rates above"
echo
python3 - $presets <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open("rates.tsv")][-3 * len(sys.argv[1:]):]
print("| model | precision | one pass over a 1.5 Gb train split | scoring 3.1 Gb, both strands |")
print("| --- | --- | --- | --- |")
hours = lambda bases, rate: f"{bases / float(rate) / 3600:.2f} h" if float(rate) > 0 else "- (no rate)"
for preset, precision, train, score, wait in rows:
    print(f"| {preset} | {precision} | {hours(1.5e9, train)} | {hours(2 * 3.1e9, score)} |")
PY
