//! With the `torch` feature: give the binaries an rpath to libtorch's lib folder (so they run
//! with no LD_LIBRARY_PATH), and link libtorch_cuda with --no-as-needed where it exists and
//! its CUDA libraries resolve, so CUDA is really detected on GPU nodes (tch-rs issues #329,
//! #907). libtorch is found as torch-sys finds it: LIBTORCH, or LIBTORCH_USE_PYTORCH=1 with
//! the Python environment's torch. DNACTX_LINK_CUDA=0 or 1 overrides the CUDA decision.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    for var in [
        "LIBTORCH",
        "LIBTORCH_USE_PYTORCH",
        "PYTHON_SYS_EXECUTABLE",
        "DNACTX_LINK_CUDA",
        "DNACTX_CUDA_GRAPH",
        "DNACTX_CUDA_INCLUDE",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_TORCH").is_none() {
        return;
    }
    let Some(lib) = libtorch_lib() else {
        println!(
            "cargo:warning=libtorch not found (set LIBTORCH or LIBTORCH_USE_PYTORCH=1): no rpath set"
        );
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    libtorch_shim(&lib);
    let cuda = lib.join("libtorch_cuda.so");
    let link_cuda = match std::env::var("DNACTX_LINK_CUDA").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => cuda.exists() && resolves(&cuda),
    };
    if link_cuda {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-Wl,--as-needed");
    } else if cuda.exists() {
        println!(
            "cargo:warning=libtorch_cuda.so is there but its CUDA libraries are not (a lean CPU install): built for CPU"
        );
    }
}

/// Compiles src/nn/shim.cpp (what tch does not offer: autocast in bfloat16, the fused AdamW
/// step, the profiler) against libtorch's headers; libtorch itself is linked by torch-sys.
fn libtorch_shim(lib: &std::path::Path) {
    println!("cargo:rerun-if-changed=src/nn/shim.cpp");
    println!("cargo:rerun-if-changed=src/nn/shim_autograd.cpp");
    let root = lib.parent().expect("libtorch's lib folder has a parent");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("src/nn/shim.cpp")
        .file("src/nn/shim_autograd.cpp")
        .include(root.join("include"))
        .include(root.join("include/torch/csrc/api/include"))
        .flag("-std=c++17")
        .warnings(false)
        .extra_warnings(false)
        .flag_if_supported("-w");
    // DNACTX_CUDA_GRAPH=1 (bench/gpu-carry.sh): the shim's CUDA graphs, against a CUDA
    // libtorch and the CUDA runtime's headers (DNACTX_CUDA_INCLUDE), linked with libtorch's
    // CUDA libraries, whose own CUDA libraries the machine that runs it provides.
    if std::env::var("DNACTX_CUDA_GRAPH").as_deref() == Ok("1") {
        build.define("DNACTX_CUDA_GRAPH", None);
        if let Some(inc) = std::env::var_os("DNACTX_CUDA_INCLUDE") {
            build.include(inc);
        }
        for arg in [
            "-Wl,--allow-shlib-undefined",
            "-Wl,--no-as-needed",
            "-ltorch_cuda",
            "-lc10_cuda",
            "-Wl,--as-needed",
        ] {
            println!("cargo:rustc-link-arg={arg}");
        }
    }
    build.compile("dnactx_shim");
}

fn libtorch_lib() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LIBTORCH") {
        return Some(PathBuf::from(dir).join("lib"));
    }
    std::env::var_os("LIBTORCH_USE_PYTORCH")?;
    let python = std::env::var("PYTHON_SYS_EXECUTABLE").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args([
            "-c",
            "import os, torch; print(os.path.dirname(torch.__file__))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(dir.trim()).join("lib"))
}

/// True when every library `lib` needs can be found (ldd reports none "not found").
fn resolves(lib: &std::path::Path) -> bool {
    match Command::new("ldd").arg(lib).output() {
        Ok(out) if out.status.success() => {
            !String::from_utf8_lossy(&out.stdout).contains("not found")
        }
        _ => false,
    }
}
