#!/usr/bin/env bash
# Sets up dnactx on a fresh Debian/Ubuntu machine with a Rust toolchain and Python 3:
#   - a project-local Python venv (.venv) with Snakemake and the readers (requirements.txt),
#   - igv.js from the npm registry (workflow/page/node_modules) for the workflow's browser page,
#   - the release build of the binaries (target/release),
#   - with --torch: libtorch from PyPI's torch==2.13.0 in .venv (the lean CPU install, 1.3 GB;
#     on a CUDA node set DNACTX_TORCH=full for the whole CUDA build) and the build with the
#     neural models (cargo feature torch, adds train-model),
#   - libclang, which the build needs (rust-htslib runs bindgen): Debian's libclang-dev as
#     root or through sudo; without either, PyPI's libclang in .venv (scripts/env.sh then
#     points LIBCLANG_PATH and bindgen's include path at it),
#   - with --no-build: everything but the build,
#   - with --peers: the peer tools the tests compare against (jellyfish, dustmasker from
#     ncbi-blast+, samtools, bedtools, tabix, bcftools) and headless Chromium (the browser page's
#     test), from Debian's packages.
# Safe to run again: it only installs what is missing. Source scripts/env.sh afterwards to
# put the binaries on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

peers=0
torch=0
build=1
for arg in "$@"; do
    case "$arg" in
        --peers) peers=1 ;;
        --torch) torch=1 ;;
        --no-build) build=0 ;;
        *) echo "usage: scripts/setup.sh [--peers] [--torch] [--no-build]" >&2; exit 2 ;;
    esac
done

# Each step says how long the setup has run so far (bash's SECONDS).
step() { printf '\n== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }

# How to run apt-get: directly as root, through sudo (without a password prompt when
# possible), or not at all ("none").
if [ "$(id -u)" = 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
else sudo="none"; fi
apt_updated=0
apt_install() {
    if [ "$sudo" = none ]; then return 1; fi
    if [ "$apt_updated" = 0 ]; then $sudo apt-get update -q >&2; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >&2
}

# libclang as bindgen (clang-sys) finds it: LIBCLANG_PATH, or libclang.so* (not
# libclang-cpp, which Debian's llvm package brings and bindgen cannot use) in the usual folders.
have_libclang() {
    local d f
    for d in ${LIBCLANG_PATH:-} $(llvm-config --libdir 2>/dev/null) /usr/lib/llvm-*/lib /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
        for f in "$d"/libclang.so* "$d"/libclang-[0-9]*.so*; do
            [ -e "$f" ] && return 0
        done
    done
    return 1
}

if [ "$peers" = 1 ]; then
    missing=()
    for pair in jellyfish:jellyfish dustmasker:ncbi-blast+ samtools:samtools bedtools:bedtools bgzip:tabix bcftools:bcftools chromium:chromium; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        step "installing peer tools: ${missing[*]}"
        apt_install "${missing[@]}" || { echo "error: need root or sudo to install ${missing[*]} (apt-get)" >&2; exit 1; }
    fi
fi

step "Python venv (.venv) from requirements.txt"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt

# igv.js (the npm registry's `igv`, pinned by workflow/page/package-lock.json) for the
# workflow's browser page (results/browse.html)
if [ ! -f workflow/page/node_modules/igv/dist/igv.min.js ]; then
    step "igv.js from the npm registry (workflow/page)"
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm || { echo "error: need npm (Debian's nodejs and npm) for igv.js, or set hub.enabled: false in the workflow config" >&2; exit 1; }
    fi
    npm ci --prefix workflow/page --no-audit --no-fund --loglevel=error >&2
fi

if ! have_libclang && ! ls -d .venv/lib/python3*/site-packages/clang/native >/dev/null 2>&1; then
    step "installing libclang (bindgen needs it to build rust-htslib)"
    if ! apt_install libclang-dev; then
        echo "no root or sudo for apt-get: taking PyPI's libclang into .venv instead" >&2
        .venv/bin/pip install -q --disable-pip-version-check "libclang==18.1.1"
    fi
fi

torch_flag=
if [ "$torch" = 1 ]; then
    if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
        if [ "${DNACTX_TORCH:-lean}" = full ]; then
            step "installing torch==2.13.0 with CUDA (full)"
            .venv/bin/pip install -q torch==2.13.0
        else
            step "installing torch==2.13.0, lean CPU libtorch (about 1.3 GB)"
            .venv/bin/pip install -q --no-deps torch==2.13.0 nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85
        fi
    fi
    torch_flag=--torch
fi
source scripts/env.sh

if [ "$build" = 0 ]; then
    echo "set up without building (--no-build): scripts/build.sh${torch_flag:+ $torch_flag} builds it" >&2
    exit 0
fi
step "building dnactx (scripts/build.sh${torch_flag:+ $torch_flag})"
scripts/build.sh ${torch_flag}

printf "dnactx is set up in %dm%02ds: binaries in target/release, Snakemake in .venv/bin\n" $((SECONDS / 60)) $((SECONDS % 60)) >&2
