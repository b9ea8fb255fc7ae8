#!/usr/bin/env bash
# The neural models on a CUDA GPU (docs/benchmarks.md, "On a GPU"), in one run:
#   1. training steps and scoring passes of gpu-large and seed-cnn in bf16 and tf32, before
#      (the channels-first network, AdamW per tensor, the loss read every step) and after
#      (channels-last, fused AdamW), side by side (examples/step_bench.rs), gpu-large also at
#      other chunk and batch sizes; two steps of each profiled with libtorch's profiler and
#      summed by kernel kind (bench/kernels.py);
#   2. end to end on the demo genome's quality split (train chr_1..chr_7, test chr_8..chr_21),
#      with the FM-index prior and the node's cores as loaders: train-model gpu-large and
#      seed-cnn in bf16 for a few minutes (targets/s, the share of time waiting for data), and
#      score-genome of gpu-large on both strands (--rc-average: positions/s, the share of time
#      the model waited for its inputs);
#   3. CUDA against CPU: the same weights scored in f32 on both agree within 1e-4 (p_ref);
#   4. the projection to a 3.1 Gb human genome from these rates;
#   5. one gpu-large convolution written several ways, in PyTorch (bench/conv_layouts.py),
#      where the machine's Python has a CUDA PyTorch.
#
#   bench/gpu.sh [workdir] [minutes per training, default 1; fractions allowed]   # default workdir: bench-gpu/
# Needs a CUDA device and the CUDA build of libtorch: DNACTX_TORCH=full scripts/setup.sh --torch
# and `cargo build --release --features torch --example step_bench` on the GPU node (or
# bench/gpu-carry.sh here and bench/gpu-carried.sh there). GPU_BENCH_DEVICE=cpu: a dry run of
# the steps on the CPU (checks the script, measures nothing worth writing down). Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/env.sh
work=${1:-bench-gpu}
minutes=${2:-1}
die() { echo "bench/gpu.sh: $*" >&2; exit 2; }
device=${GPU_BENCH_DEVICE:-cuda}
step_bench=$repo/target/release/examples/step_bench
if [ "$device" = cuda ]; then
    command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 \
        || die "no CUDA device here (nvidia-smi finds none): run this on a GPU node"
fi
command -v train-model >/dev/null 2>&1 \
    || die "train-model is not built: run DNACTX_TORCH=full scripts/setup.sh --torch first"
[ -x "$step_bench" ] \
    || die "examples/step_bench is not built: cargo build --release --features torch --example step_bench"
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
if [ "$device" = cuda ]; then
    gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
    seconds=2
else
    gpu="the CPU (a dry run)"
    seconds=0.1
fi
echo "## On $gpu, $cores CPU cores, $(date -u +%Y-%m-%d)"
echo

# 1. before and after, step by step, with the kernels of two profiled steps of each
rm -rf prof && mkdir -p prof
# GPU_BENCH_PRESETS: the presets stepped; GPU_BENCH_E2E: those run end to end (default the
# same); GPU_BENCH_SHAPES: gpu-large's other chunk x batch sizes; GPU_BENCH_LAYOUTS=0: skip 5.
presets=${GPU_BENCH_PRESETS:-gpu-large,seed-cnn}
e2e=${GPU_BENCH_E2E:-$presets}
shapes=${GPU_BENCH_SHAPES-4096x16,8192x8,2048x64}
[ "$device" = cuda ] || { presets=seed-cnn; e2e=seed-cnn; shapes=; }
stage() { echo "bench/gpu.sh: $(date -u +%T) $*" >&2; }
stage "steps before and after"
"$step_bench" --device "$device" --presets "$presets" --precisions bf16,tf32 --seconds "$seconds" \
    ${shapes:+--shapes "$shapes"} --score --profile prof 2> step_bench.log | tee steps.md \
    || { echo "(examples/step_bench failed:)"; tail -n 5 step_bench.log; }
echo
echo "### Kernels of two profiled training steps, by kind"
echo
python3 "$repo/bench/kernels.py" prof 2 | tee kernels.md || echo "(bench/kernels.py failed)"

# 2. end to end on the quality split
[ -f w.parquet ] || make-windows -g "$g" --train chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7 --test rest \
    --valid-fraction 0.05 --seed 1 -o w.parquet --bed w.bed -q
[ -f soft.bed ] || mask-repeats -g "$g" -o soft.bed -q
awk '$4 == "test" && (++n % 3) == 1' w.bed > test_positions.bed
if [ "$device" = cpu ]; then
    awk -v OFS='\t' 'NR <= 2 {print $1, $2, $2 + 1000}' test_positions.bed > t && mv t test_positions.bed
fi
[ -f train.fmd ] || index-genome -g "$g" --windows w.parquet --split train -t "$cores" -o train.fmd -q
test_bases=$(awk '{s += $3 - $2} END {print s}' test_positions.bed)
echo
echo "### End to end: train-model and score-genome on the demo genome's quality split"
echo
echo "Training for $minutes minutes each (time budget), $loaders loader threads, the FM-index prior (k = 16); scoring the $test_bases test positions on both strands (\`--rc-average\`)."
echo
echo "| model | precision | parameters | field | train targets/s | waiting for data | score positions/s, both strands | model busy / waiting | test accuracy | bits/base |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
# a report every 50 steps (the presets' 500 and 1000 are sized for hours), so that the rate can
# be read between the first report and the last even in a short run
printf 'train:\n  valid_every: 50\n  valid_chunks: 64\n' > short.yaml
precision=bf16
rm -f rates.tsv
for preset in ${e2e//,/ }; do
    m=models/$preset-$precision
    rm -rf "$m" "scores/$preset-$precision"
    mkdir -p models
    stage "train and score $preset"
    train-model -g "$g" --windows w.parquet --preset "$preset" --config short.yaml --prior train.fmd \
        --steps 0 --max-minutes "$minutes" --dtype "$precision" --loaders "$loaders" \
        --device "$device" -t "$cores" --profile -o "$m" -q 2> "$m.log" \
        || { echo "| $preset | $precision | train-model failed: $(tail -n 1 "$m.log") |"; continue; }
    mkdir -p scores
    score-genome -g "$g" -m "$m" --regions test_positions.bed --repeats soft.bed --device "$device" \
        --dtype "$precision" --rc-average -t "$cores" --profile -o "scores/$preset-$precision" -q \
        2> "scores/$preset-$precision.log" \
        || { echo "| $preset | $precision | score-genome failed: $(tail -n 1 "scores/$preset-$precision.log") |"; continue; }
    python3 - "$m" "scores/$preset-$precision/metrics.tsv" "$preset" "$precision" "scores/$preset-$precision.log" <<'PY'
import re, sys, yaml, pyarrow.parquet as pq
folder, tsv, preset, precision, log = sys.argv[1:]
cfg = yaml.safe_load(open(f"{folder}/config.yaml"))
rows = pq.read_table(f"{folder}/metrics.parquet").to_pylist()
# the rate after the first validation (start-up and CUDA warm-up left out)
a, b = rows[0], rows[-1]
rate = (b["targets_seen"] - a["targets_seen"]) / max(b["wall_seconds"] - a["wall_seconds"], 1e-9)
wait = sum(r["data_wait"] for r in rows[1:]) / max(len(rows) - 1, 1)
text = open(log).read()
m = re.search(r"([\d.]+) positions/s(?:; the model predicted (\d+)% of the time and waited for prepared inputs ([\d.]+)% of it)?", text)
score = float(m.group(1)) if m else float("nan")
busy = f"{m.group(2)}% / {m.group(3)}%" if m and m.group(2) else "-"
head = open(tsv).readline().rstrip("\n").split("\t")
lines = [l.rstrip("\n").split("\t") for l in open(tsv)]
row = next(dict(zip(head, l)) for l in lines[1:] if l[0] == "all" and l[1] == "all"
           and ("target" not in head or l[-1] == "base"))
print(f"| {preset} | {precision} | {cfg['parameters']:,} | {cfg['field']} | {rate:,.0f} | {100 * wait:.1f}% "
      f"| {score:,.0f} | {busy} | {float(row['accuracy']):.4f} | {float(row['bits']):.4f} |")
with open("rates.tsv", "a") as f:
    f.write(f"{preset}\t{precision}\t{rate}\t{score}\t{wait}\n")
PY
done

# 3. the same weights on CUDA and on the CPU, f32
stage "CUDA against the CPU"
echo
echo "### The same weights on CUDA and on the CPU (f32)"
echo
# 4 kb at the start of three test windows: enough positions, and gpu-large stays quick on the CPU
head -n 3 test_positions.bed | awk -v OFS='\t' '{print $1, $2, $2 + 4000}' > small.bed
for preset in ${e2e//,/ }; do
    m=models/$preset-$precision
    [ -f "$m/weights.safetensors" ] || continue
    for dev in cpu "$device"; do
        rm -rf "cmp/$preset-$dev"
        score-genome -g "$g" -m "$m" --regions small.bed --device "$dev" --dtype f32 -t "$cores" \
            --tracks --precision full -o "cmp/$preset-$dev" -q || echo "- $preset: score-genome failed on $dev"
    done
    python3 - "cmp/$preset-cpu/p_ref.bw" "cmp/$preset-$device/p_ref.bw" "$preset" <<'PY' || true
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

# 4. projection
echo
echo "### Projected to a human genome (3.1 Gb; train split 1.5 Gb), from the end-to-end rates above"
echo
python3 - <<'PY' || true
rows = [l.rstrip("\n").split("\t") for l in open("rates.tsv")]
print("| model | precision | one pass over a 1.5 Gb train split | scoring 3.1 Gb, both strands |")
print("| --- | --- | --- | --- |")
hours = lambda bases, rate: f"{bases / float(rate) / 3600:.2f} h" if float(rate) > 0 else "- (no rate)"
for preset, precision, train, score, wait in rows:
    print(f"| {preset} | {precision} | {hours(1.5e9, train)} | {hours(3.1e9, score)} |")
PY

# 5. one convolution written several ways (PyTorch on the device)
if [ "$device" = cuda ] && [ "${GPU_BENCH_LAYOUTS:-1}" != 0 ] \
        && python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    stage "one convolution several ways"
    echo
    python3 "$repo/bench/conv_layouts.py" | tee layouts.md || echo "(bench/conv_layouts.py failed)"
fi
