# Source this file (`. scripts/env.sh`) to use dnactx from this checkout: the binaries and the
# venv's Snakemake on PATH, and LIBTORCH pointing at the venv's torch for cargo builds with
# the torch feature (the binaries themselves find libtorch through their rpath).
_dnactx_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$_dnactx_root/target/release:$_dnactx_root/.venv/bin:$PATH"
_dnactx_torch=$(ls -d "$_dnactx_root"/.venv/lib/python3*/site-packages/torch 2>/dev/null | head -n 1 || true)
if [ -n "$_dnactx_torch" ]; then
    export LIBTORCH="$_dnactx_torch"
fi
# Without a system libclang, setup.sh put PyPI's libclang into the venv: bindgen finds it through
# LIBCLANG_PATH, and clang's builtin headers (stddef.h, ...) through the compiler's own folder.
_dnactx_clang=$(ls -d "$_dnactx_root"/.venv/lib/python3*/site-packages/clang/native 2>/dev/null | head -n 1 || true)
if [ -n "$_dnactx_clang" ] && [ -z "${LIBCLANG_PATH:-}" ]; then
    export LIBCLANG_PATH="$_dnactx_clang"
    export BINDGEN_EXTRA_CLANG_ARGS="${BINDGEN_EXTRA_CLANG_ARGS:-} -I$(gcc -print-file-name=include)"
fi
unset _dnactx_root _dnactx_torch _dnactx_clang
