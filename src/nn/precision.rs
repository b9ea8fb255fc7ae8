//! `train.precision` and `--dtype`: float32 everywhere (strict IEEE on CUDA too), TF32 matrix
//! products and convolutions on CUDA (float32 storage, 10-bit mantissas in the products), or
//! bfloat16 autocast (matrix products and convolutions in bfloat16, weights, norms, softmax and
//! the loss in float32), through libtorch's own autocast (src/nn/shim.cpp: tch offers only
//! float16). On CUDA, cuDNN also picks its fastest kernels for each shape (benchmark mode).

use tch::Device;

pub use crate::compute::Dtype;

impl Dtype {
    /// Whether forward passes on `device` run under bfloat16 autocast.
    pub fn bf16_on(self, device: Device) -> bool {
        match self {
            Dtype::Auto => device.is_cuda(),
            Dtype::F32 | Dtype::Tf32 => false,
            Dtype::Bf16 => true,
        }
    }

    /// What forward passes on `device` run in: `f32`, `tf32` or `bf16` (for metadata).
    pub fn name_on(self, device: Device) -> &'static str {
        if self.bf16_on(device) {
            "bf16"
        } else if self == Dtype::Tf32 && device.is_cuda() {
            "tf32"
        } else {
            "f32"
        }
    }

    /// Sets libtorch's CUDA numerics for this precision (process-wide; nothing on the CPU):
    /// cuDNN's benchmark mode, and TF32 except in `f32`, which stays IEEE float32 so that CUDA
    /// agrees with the CPU.
    pub fn apply(self, device: Device) {
        if device.is_cuda() {
            let tf32 = self == Dtype::Tf32 || self.bf16_on(device);
            // SAFETY: a plain C call that sets libtorch's global context.
            unsafe { dnactx_cuda_numerics(tf32 as i32) }
        }
    }
}

unsafe extern "C" {
    fn dnactx_autocast_enter(cuda: i32) -> i32;
    fn dnactx_autocast_exit(cuda: i32, before: i32);
    fn dnactx_autocast_bf16(cuda: i32) -> i32;
    fn dnactx_cuda_numerics(tf32: i32);
    fn dnactx_pin_memory(t: *const std::ffi::c_void) -> *mut std::ffi::c_void;
}

/// A copy of host tensor `t` in pinned memory (for non-blocking copies to a CUDA device).
pub fn pinned(t: &tch::Tensor) -> tch::Tensor {
    // SAFETY: tch's tensor pointer is an at::Tensor*, which the shim only reads; it returns a
    // new at::Tensor* (or null), which tch's Tensor then owns and frees.
    let p = unsafe { dnactx_pin_memory(t.as_ptr().cast()) };
    assert!(!p.is_null(), "libtorch could not pin host memory");
    unsafe { tch::Tensor::from_ptr(p.cast()) }
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

/// Whether bfloat16 autocast is on for `device` here (within [`autocast`] with `bf16`).
pub fn in_bf16_autocast(device: Device) -> bool {
    // SAFETY: a plain C call reading libtorch's thread-local autocast state.
    unsafe { dnactx_autocast_bf16(device.is_cuda() as i32) == 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocast_is_seen_inside_only() {
        assert!(!in_bf16_autocast(Device::Cpu));
        assert!(autocast(Device::Cpu, true, || in_bf16_autocast(
            Device::Cpu
        )));
        assert!(!autocast(Device::Cpu, false, || in_bf16_autocast(
            Device::Cpu
        )));
        assert!(!in_bf16_autocast(Device::Cpu));
    }

    #[test]
    fn names_follow_the_device() {
        let cuda = Device::Cuda(0);
        for (p, cpu_name, cuda_name) in [
            (Dtype::Auto, "f32", "bf16"),
            (Dtype::F32, "f32", "f32"),
            (Dtype::Tf32, "f32", "tf32"),
            (Dtype::Bf16, "bf16", "bf16"),
        ] {
            assert_eq!(p.name_on(Device::Cpu), cpu_name, "{p:?}");
            assert_eq!(p.name_on(cuda), cuda_name, "{p:?}");
        }
    }

    #[test]
    fn parses_the_four_names_only() {
        assert_eq!(Dtype::parse("tf32").unwrap(), Dtype::Tf32);
        assert_eq!(Dtype::parse("auto").unwrap(), Dtype::Auto);
        let e = Dtype::parse("fp16").unwrap_err().to_string();
        assert!(e.contains("'fp16'") && e.contains("tf32"), "{e}");
    }
}
