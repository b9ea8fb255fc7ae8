//! `--device auto|cpu|cuda|cuda:N`, chosen once.

use tch::Device;

use crate::compute::{ComputeArgs, DeviceName, Dtype};

use crate::{Error, Result};

/// Why libtorch sees no CUDA device here, as far as the node tells.
pub fn cuda_unavailable_reason() -> String {
    if !tch::utils::has_cuda() {
        return "this libtorch is built for the CPU only (a lean install: set DNACTX_TORCH=full and rerun scripts/setup.sh --torch on a CUDA node)".into();
    }
    if let Ok(v) = std::env::var("CUDA_VISIBLE_DEVICES")
        && (v.trim().is_empty() || v.trim() == "-1")
    {
        return format!(
            "CUDA_VISIBLE_DEVICES='{v}' hides every GPU (did the scheduler give this job a GPU? on SLURM: --gres=gpu:1)"
        );
    }
    if !std::path::Path::new("/proc/driver/nvidia/version").exists() {
        return "no NVIDIA driver on this node (/proc/driver/nvidia/version is missing): a CPU node, or a job without a GPU".into();
    }
    "the NVIDIA driver is loaded but libtorch finds no usable device (a driver older than libtorch's CUDA, or every GPU busy in exclusive mode)".into()
}

/// The first CUDA device, or the CPU (saying why) when there is none.
fn auto() -> Device {
    if tch::Cuda::device_count() > 0 {
        return Device::Cuda(0);
    }
    crate::progress::warn(format_args!(
        "--device auto: running on the CPU, because {}",
        cuda_unavailable_reason()
    ));
    Device::Cpu
}

/// The device `name` asks for; `auto` picks CUDA when available and otherwise falls back to
/// the CPU with a warning that says why. Asking for CUDA where there is none is an error that
/// says why.
pub fn resolve(name: DeviceName) -> Result<Device> {
    let index = match name {
        DeviceName::Cpu => return Ok(Device::Cpu),
        DeviceName::Auto => return Ok(auto()),
        DeviceName::Cuda(i) => i,
    };
    let n = tch::Cuda::device_count();
    if (index as i64) < n {
        Ok(Device::Cuda(index))
    } else if n == 0 {
        Err(Error::config(
            "--device",
            format!(
                "--device {name}: no CUDA device here: {}; use --device cpu, or auto to fall back to the CPU",
                cuda_unavailable_reason()
            ),
        ))
    } else {
        Err(Error::config(
            "--device",
            format!(
                "--device {name}: only {n} CUDA device(s), cuda:0..cuda:{}",
                n - 1
            ),
        ))
    }
}

/// `--device` and `--dtype` made ready: the device, the arithmetic (`dtype`, else
/// `default`), and libtorch's threads (`threads`, 0: its own choice).
pub fn setup(args: &ComputeArgs, default: Dtype, threads: usize) -> Result<(Device, Dtype)> {
    if threads > 0 {
        tch::set_num_threads(threads as i32);
    }
    Ok((resolve(args.device)?, args.dtype.unwrap_or(default)))
}

/// A short name for messages and metadata.
pub fn device_name(d: Device) -> String {
    match d {
        Device::Cpu => "cpu".into(),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}"),
    }
}
