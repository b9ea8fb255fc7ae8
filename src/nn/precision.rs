//! `train.precision` and `--dtype`: float32 everywhere, or bfloat16 autocast (matrix
//! products and convolutions in bfloat16, weights, norms, softmax and the loss in float32),
//! through libtorch's own autocast (src/nn/autocast.cpp: tch offers only float16).

use serde::{Deserialize, Serialize};
use tch::Device;

/// The arithmetic of forward passes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// bf16 on CUDA, f32 on the CPU (whose bf16 is slower on most CPUs).
    #[default]
    Auto,
    F32,
    Bf16,
}

impl Precision {
    /// Whether forward passes on `device` run under bfloat16 autocast.
    pub fn bf16_on(self, device: Device) -> bool {
        match self {
            Precision::Auto => device.is_cuda(),
            Precision::F32 => false,
            Precision::Bf16 => true,
        }
    }

    /// `auto`, `f32` or `bf16`.
    pub fn parse(s: &str) -> crate::Result<Precision> {
        serde_yaml::from_str(s)
            .map_err(|_| crate::Error::Config(format!("precision '{s}': use auto, f32 or bf16")))
    }
}

unsafe extern "C" {
    fn dnactx_autocast_enter(cuda: i32) -> i32;
    fn dnactx_autocast_exit(cuda: i32, before: i32);
}

/// Runs `f` under bfloat16 autocast on `device` when `bf16`, plainly otherwise.
pub fn autocast<T>(device: Device, bf16: bool, f: impl FnOnce() -> T) -> T {
    if !bf16 {
        return f();
    }
    let cuda = device.is_cuda() as i32;
    // SAFETY: plain C calls into libtorch's thread-local autocast state; enter and exit pair.
    let before = unsafe { dnactx_autocast_enter(cuda) };
    assert!(before >= 0, "libtorch refused bfloat16 autocast");
    struct Exit(i32, i32);
    impl Drop for Exit {
        fn drop(&mut self) {
            // SAFETY: pairs the enter above on this thread.
            unsafe { dnactx_autocast_exit(self.0, self.1) }
        }
    }
    let _exit = Exit(cuda, before);
    f()
}
