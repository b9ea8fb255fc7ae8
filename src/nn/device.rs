//! `--device auto|cpu|cuda|cuda:N`, chosen once.

use tch::Device;

use crate::{Error, Result};

/// Parses a device name; `auto` picks CUDA when available. Asking for CUDA where there is
/// none is an error.
pub fn parse_device(name: &str) -> Result<Device> {
    let cuda_count = || tch::Cuda::device_count();
    match name {
        "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        _ => {
            let index = match name {
                "cuda" => 0,
                _ => name
                    .strip_prefix("cuda:")
                    .and_then(|i| i.parse::<usize>().ok())
                    .ok_or_else(|| {
                        Error::Config(format!("--device '{name}': use auto, cpu, cuda or cuda:N"))
                    })?,
            };
            let n = cuda_count();
            if (index as i64) < n {
                Ok(Device::Cuda(index))
            } else if n == 0 {
                Err(Error::Config(format!(
                    "--device {name}: no CUDA device is available here (libtorch sees none); use --device cpu or auto"
                )))
            } else {
                Err(Error::Config(format!(
                    "--device {name}: only {n} CUDA device(s), cuda:0..cuda:{}",
                    n - 1
                )))
            }
        }
    }
}

/// A short name for messages and metadata.
pub fn device_name(d: Device) -> String {
    match d {
        Device::Cpu => "cpu".into(),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}"),
    }
}
