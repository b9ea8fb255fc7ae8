#!/usr/bin/env bash
# Packs dnactx for a GPU machine that cannot install it: no network, and at most 64 MiB taken
# along (the device machines lent to this project's sessions: docs/benchmarks.md, "On a GPU").
# A CUDA libtorch 2.13 is several GB, so this builds dnactx against the PyTorch already on the
# machine (give its version; 2.11.0 there in 2026-11) with the tch release for it, in a copy of
# this checkout (only tch's version pin differs), and packs into .gpu/ (ignore it in
# .git/info/exclude): the stripped binaries and examples/step_bench, pyBigWig for Python 3.12, the quality split's
# windows, repeats and FM-index, and bench/gpu-carried.sh's caller. There, in the checkout:
#   bash bench/gpu-carried.sh MINUTES      # with .gpu carried along: bench/gpu.sh
#   bash bench/gpu-carried.sh bench/gpu-sweep.sh 6    # or bench/gpu-sweep.sh
#
#   bench/gpu-carry.sh [torch version, default 2.11.0] [tch version, default 0.24.0]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
torch_version=${1:-2.11.0}
tch_version=${2:-0.24.0}
scratch=${GPU_CARRY_SCRATCH:-$repo/../gpu-carry}
mkdir -p "$scratch" .gpu/whl .gpu/work
. scripts/env.sh
. bench/lib.sh
py=${PYTHON:-$repo/.venv/bin/python}
if [ ! -d "$scratch/torch-$torch_version/torch/include" ]; then
    "$py" -m pip download -q --no-deps --only-binary=:all: "torch==$torch_version" -d "$scratch/wheel-$torch_version"
    mkdir -p "$scratch/torch-$torch_version"
    unzip -q -o "$scratch/wheel-$torch_version"/torch-*.whl 'torch/include/*' 'torch/lib/*' 'torch/version.py' \
        -d "$scratch/torch-$torch_version"
fi
rm -rf "$scratch/src" && mkdir -p "$scratch/src"
git ls-files -z | xargs -0 tar -cf - | tar -xmf - -C "$scratch/src"   # -m: new mtimes, so cargo rebuilds what changed since
cd "$scratch/src"
sed -i "s/^tch = { version = \"[^\"]*\"/tch = { version = \"=$tch_version\"/" Cargo.toml
cargo update -q -p tch --precise "$tch_version"
export LIBTORCH=$scratch/torch-$torch_version/torch CARGO_TARGET_DIR=$scratch/target
cargo build --release --features torch --bin train-model --bin score-genome --example step_bench
cargo build --release --bin make-windows
mkdir -p "$scratch/bin"
for b in train-model score-genome make-windows; do strip -o "$scratch/bin/$b" "$CARGO_TARGET_DIR/release/$b"; done
strip -o "$scratch/bin/step_bench" "$CARGO_TARGET_DIR/release/examples/step_bench"
# step_bench with CUDA graphs (--graph), apart so that nothing else needs the CUDA runtime at
# link: its headers and libcudart from PyPI's wheels of the CUDA version the torch wheel
# names (13.0 for 2.11.0), libtorch's CUDA libraries from the torch wheel
carried="train-model score-genome make-windows step_bench"
cuda=$scratch/cuda-$torch_version
if [ ! -d "$cuda/include/crt" ]; then
    cu=$(unzip -p "$scratch/wheel-$torch_version"/torch-*.whl 'torch-*.dist-info/METADATA' \
        | sed -n 's/^Requires-Dist: cuda-toolkit\[.*\]==\([0-9]*\.[0-9]*\).*/\1/p' | head -n 1)
    mkdir -p "$cuda/whl" "$cuda/x"
    "$py" -m pip download -q --no-deps --only-binary=:all: "nvidia-cuda-runtime==$cu.*" \
        "nvidia-cuda-crt==$cu.*" -d "$cuda/whl" || true
    for w in "$cuda"/whl/*.whl; do unzip -q -o "$w" -d "$cuda/x"; done
    inc=$(dirname "$(find "$cuda/x" -name cuda_runtime_api.h | head -n 1)")
    rt=$(dirname "$(find "$cuda/x" -name 'libcudart.so.*' | head -n 1)")
    mkdir -p "$cuda/include" "$cuda/lib" && cp -r "$inc"/. "$cuda/include/" && cp "$rt"/libcudart.so.* "$cuda/lib/"
    (cd "$cuda/lib" && ln -sf "$(ls libcudart.so.* | head -n 1)" libcudart.so)
fi
if DNACTX_CUDA_GRAPH=1 DNACTX_CUDA_INCLUDE=$cuda/include RUSTFLAGS="-L $cuda/lib -l cudart" \
    CARGO_TARGET_DIR=$scratch/target-graph cargo build --release --features torch --example step_bench; then
    strip -o "$scratch/bin/step_bench_graph" "$scratch/target-graph/release/examples/step_bench"
    carried="$carried step_bench_graph"
else
    echo "gpu-carry: step_bench with CUDA graphs did not build; carrying the rest" >&2
fi
cd "$repo"
tar -C "$scratch/bin" -cf - $carried | xz -T0 -6 > .gpu/bin.tar.xz
echo "$torch_version" > .gpu/torch-version   # bench/gpu-carried.sh checks the machine's against it
"$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .gpu/whl pyBigWig==0.3.29
# the quality split's inputs, made as bench/quality.sh makes them (in seconds, where that
# script goes on for hours of training), so the machine need not
q=bench-quality
mkdir -p $q
(cd $q && quality_split)
cp $q/w.parquet $q/w.bed $q/soft.bed .gpu/work/
xz -T0 -6 -c $q/train.fmd > .gpu/work/train.fmd.xz
du -sh .gpu
