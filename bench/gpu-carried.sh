#!/usr/bin/env bash
# On a lent GPU machine, with .gpu/ from bench/gpu-carry.sh carried along: dnactx built for the
# machine's PyTorch, run with its libraries; then bench/gpu.sh bench-gpu MINUTES, or another
# bench script given with its arguments after the workdir (bench/gpu-sweep.sh). Writes its log
# and results to $OUT (the device tool's folder), or to bench-gpu/ without it.
#   bash bench/gpu-carried.sh [MINUTES]
#   bash bench/gpu-carried.sh bench/gpu-sweep.sh [ARGS after the workdir]
set -uo pipefail
cd "$(dirname "$0")/.."
script=bench/gpu.sh
case "${1:-}" in *.sh) script=$1; shift ;; esac
[ $# -gt 0 ] || [ "$script" != bench/gpu.sh ] || set -- 1
OUT=${OUT:-bench-gpu}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
date -u; nproc; nvidia-smi -L
torchlib=$(python3 -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
python3 -c "import torch; print('python torch', torch.__version__, torch.cuda.is_available())"
# binaries linked against another libtorch fail in ways that do not name it: stop first
have=$(python3 -c "import torch; print(torch.__version__.split('+')[0])") \
    || { echo "gpu-carried: python3 cannot import torch here; the binaries load the machine's libtorch"; exit 3; }
built=$(cat .gpu/torch-version 2>/dev/null || echo "$have")
[ "$built" = "$have" ] || { echo "gpu-carried: .gpu was built for torch $built, this machine has $have:" \
    "bench/gpu-carry.sh $have (and the tch release for it) builds it again"; exit 3; }
# the binaries link libtorch_cpu only (its CUDA libraries were not here at the link):
# preload the machine's libtorch_cuda so that libtorch registers CUDA
mkdir -p target/release /tmp/realbin
tar -xJf .gpu/bin.tar.xz -C /tmp/realbin || exit 3
mkdir -p target/release/examples
for b in train-model score-genome examples/step_bench examples/step_bench_graph; do
    [ -f "/tmp/realbin/$(basename "$b")" ] || continue
    printf '#!/bin/sh\nLD_PRELOAD=%s/libtorch_cuda.so exec /tmp/realbin/%s "$@"\n' "$torchlib" "$(basename "$b")" > target/release/$b
    chmod +x target/release/$b
done
cp /tmp/realbin/make-windows target/release/
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 3
export PYTHONPATH=/tmp/site LD_LIBRARY_PATH=$torchlib
ldd /tmp/realbin/train-model | grep -E "not found|torch|c10"
mkdir -p bench-gpu && cp .gpu/work/*.bed .gpu/work/*.parquet bench-gpu/ && xz -dc .gpu/work/train.fmd.xz > bench-gpu/train.fmd || exit 3
# the binaries load (bench/gpu.sh then checks that libtorch sees the device)
target/release/train-model --list-presets | head -20
bash "$script" bench-gpu "$@" | tee "$OUT/$(basename "$script" .sh).md"
rc=${PIPESTATUS[0]}
tar -czf "$OUT/models.tgz" bench-gpu/models/*/config.yaml bench-gpu/models/*/metrics.parquet \
    bench-gpu/models/*.log bench-gpu/scores/*/metrics.tsv bench-gpu/scores/*.log bench-gpu/rates.tsv \
    bench-gpu/*.md bench-gpu/step_bench.log \
    bench-gpu/gsweep/*/config.yaml bench-gpu/gsweep/*/metrics.parquet bench-gpu/gsweep/*.log \
    bench-gpu/gsweep/scores-*/metrics.tsv 2>/dev/null
[ -d bench-gpu/prof ] && tar -czf "$OUT/prof.tgz" bench-gpu/prof
echo "$script exit $rc"; date -u
