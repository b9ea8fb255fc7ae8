//! `--dtype` (and the config's `train.precision`): the arithmetic of a network's forward
//! passes, one closed set for every tool. How each runs on a device: `nn::precision`.

use serde::{Deserialize, Serialize};

/// The arithmetic of forward passes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// bf16 autocast on CUDA, f32 on the CPU (whose bf16 is slower on most CPUs).
    #[default]
    Auto,
    /// IEEE float32, also on CUDA (libtorch's cuDNN would otherwise use TF32 in convolutions).
    F32,
    /// float32 with TF32 products on CUDA (as f32 on the CPU).
    Tf32,
    /// bfloat16 autocast: products in bf16; weights, norms and the loss in f32.
    Bf16,
}

impl Dtype {
    /// `auto`, `f32`, `tf32` or `bf16`.
    pub fn parse(s: &str) -> crate::Result<Dtype> {
        serde_yaml::from_str(s).map_err(|_| {
            crate::Error::config(
                "--dtype",
                format!("dtype '{s}': use auto, f32, tf32 or bf16"),
            )
        })
    }
}

/// `--device`: where a network runs, as asked (libtorch turns it into a device,
/// `nn::device::resolve`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DeviceName {
    /// CUDA when there is a device, else the CPU (with a warning saying why).
    #[default]
    Auto,
    Cpu,
    /// CUDA device N (`cuda` is `cuda:0`).
    Cuda(usize),
}

impl std::str::FromStr for DeviceName {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<DeviceName> {
        match s {
            "auto" => Ok(DeviceName::Auto),
            "cpu" => Ok(DeviceName::Cpu),
            "cuda" => Ok(DeviceName::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|i| i.parse().ok())
                .map(DeviceName::Cuda)
                .ok_or_else(|| crate::Error::value(s, "use auto, cpu, cuda or cuda:N")),
        }
    }
}

impl std::fmt::Display for DeviceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceName::Auto => f.write_str("auto"),
            DeviceName::Cpu => f.write_str("cpu"),
            DeviceName::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

/// `--device` and `--dtype`, the same for every tool that runs a network.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ComputeArgs {
    /// Device for networks [possible values: auto (CUDA when available), cpu, cuda, cuda:N].
    #[arg(long, default_value = "auto")]
    pub device: DeviceName,
    /// Arithmetic of networks: auto is bf16 autocast on CUDA and f32 on the CPU [default:
    /// auto; train-model: the config's train.precision].
    #[arg(long, value_enum)]
    pub dtype: Option<Dtype>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_round_trip() {
        for s in ["auto", "cpu", "cuda:0", "cuda:3"] {
            assert_eq!(s.parse::<DeviceName>().unwrap().to_string(), s);
        }
        assert_eq!("cuda".parse::<DeviceName>().ok(), Some(DeviceName::Cuda(0)));
        let e = "gpu".parse::<DeviceName>().unwrap_err().to_string();
        assert!(e.contains("'gpu'") && e.contains("cuda:N"), "{e}");
    }
}
