//! Safe wrappers of what src/nn/shim.cpp adds to tch: a layer norm in its input's own
//! precision, one fused AdamW step over every variable, and libtorch's profiler. (Autocast and
//! pinned memory, from the same file, are in [`super::precision`].)

use std::ffi::{CStr, CString, c_void};
use std::path::Path;

use tch::Tensor;

use crate::{Error, Result};

unsafe extern "C" {
    fn dnactx_layer_norm(
        x: *const c_void,
        w: *const c_void,
        b: *const c_void,
        eps: f64,
    ) -> *mut c_void;
    fn dnactx_last_error() -> *const std::ffi::c_char;
    fn dnactx_kernel_rows(w: *const c_void, reverse: i32, kind: i32) -> *mut c_void;
    fn dnactx_graph_new(device: i32) -> *mut c_void;
    fn dnactx_graph_side(g: *mut c_void, on: i32) -> i32;
    fn dnactx_graph_capture(g: *mut c_void, begin: i32) -> i32;
    fn dnactx_graph_replay(g: *mut c_void) -> i32;
    fn dnactx_graph_free(g: *mut c_void);
    fn dnactx_adamw_step(
        params: *const *mut c_void,
        exp_avg: *const *mut c_void,
        exp_avg_sq: *const *mut c_void,
        steps: *const *mut c_void,
        n: i64,
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        clip: f64,
    ) -> i32;
    fn dnactx_profiler_start(cuda: i32) -> i32;
    fn dnactx_profiler_stop(path: *const std::ffi::c_char) -> i64;
}

fn last_error() -> String {
    // SAFETY: the shim returns a pointer to its own NUL-terminated string, valid until the
    // next failing call; it is copied at once.
    unsafe { CStr::from_ptr(dnactx_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Layer norm of `x` over its last axis in `x`'s own dtype (bfloat16 stays bfloat16 under
/// autocast; the kernel keeps its statistics in float32), with `weight` and `bias` cast to it.
pub fn layer_norm(x: &Tensor, weight: &Tensor, bias: &Tensor, eps: f64) -> Tensor {
    // SAFETY: tch's tensor pointers are at::Tensor*, which the shim only reads; it returns a
    // new at::Tensor* (or null), which the returned Tensor then owns.
    let p = unsafe {
        dnactx_layer_norm(
            x.as_ptr().cast(),
            weight.as_ptr().cast(),
            bias.as_ptr().cast(),
            eps,
        )
    };
    assert!(
        !p.is_null(),
        "libtorch's layer norm failed on {:?}",
        x.size()
    );
    unsafe { Tensor::from_ptr(p.cast()) }
}

/// A 1-D convolution's weight (C_out x C_in x k) as the k x 1 kernel of a 2-D convolution
/// over rows, C_out x C_in x k x 1 with channels-last strides, in `kind` (the input's dtype,
/// so that autocast need not cast it again), flipped along k with `reverse`: one copy.
pub fn kernel_rows(w: &Tensor, reverse: bool, kind: tch::Kind) -> Tensor {
    // SAFETY: as in layer_norm: the shim reads `w` and returns a new at::Tensor* or null.
    let p = unsafe { dnactx_kernel_rows(w.as_ptr().cast(), reverse as i32, scalar_type(kind)) };
    assert!(
        !p.is_null(),
        "libtorch could not lay out the kernel {:?}: {}",
        w.size(),
        last_error()
    );
    unsafe { Tensor::from_ptr(p.cast()) }
}

/// libtorch's number (c10::ScalarType) of a floating-point kind.
fn scalar_type(kind: tch::Kind) -> i32 {
    match kind {
        tch::Kind::Half => 5,
        tch::Kind::Float => 6,
        tch::Kind::Double => 7,
        tch::Kind::BFloat16 => 15,
        k => panic!("a kernel in {k:?}: networks run in float, half or bfloat16"),
    }
}

/// The hyperparameters of one AdamW step.
#[derive(Debug, Clone, Copy)]
pub struct AdamWStep {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Scale the gradients down to this global norm when above it; 0: no clipping.
    pub clip: f64,
}

/// One AdamW step over `params` (those with a gradient), with their moments and step counts
/// (float scalars on their device, counted up here): the gradients clipped by their global
/// norm, libtorch's fused AdamW, the gradients zeroed. Nothing is read back to the host.
pub fn adamw_step(
    params: &[Tensor],
    exp_avg: &[Tensor],
    exp_avg_sq: &[Tensor],
    steps: &[Tensor],
    h: AdamWStep,
) -> Result<()> {
    let n = params.len();
    assert!(exp_avg.len() == n && exp_avg_sq.len() == n && steps.len() == n);
    let ptrs = |ts: &[Tensor]| -> Vec<*mut c_void> {
        ts.iter().map(|t| t.as_ptr() as *mut c_void).collect()
    };
    let (p, m, v, s) = (ptrs(params), ptrs(exp_avg), ptrs(exp_avg_sq), ptrs(steps));
    // SAFETY: four arrays of n live at::Tensor* (tch's tensors, borrowed for the call); the
    // shim updates the tensors in place and keeps no pointer.
    let rc = unsafe {
        dnactx_adamw_step(
            p.as_ptr(),
            m.as_ptr(),
            v.as_ptr(),
            s.as_ptr(),
            n as i64,
            h.lr,
            h.beta1,
            h.beta2,
            h.eps,
            h.weight_decay,
            h.clip,
        )
    };
    if rc != 0 {
        return Err(Error::Internal(format!(
            "the fused AdamW step failed: {}",
            last_error()
        )));
    }
    Ok(())
}

/// libtorch's profiler (Kineto) over a region: every operator, and every device kernel on
/// CUDA, written as a TSV when stopped.
pub struct Profiler(());

impl Profiler {
    /// Starts recording operators, and device kernels when `cuda`.
    pub fn start(cuda: bool) -> Result<Profiler> {
        // SAFETY: a plain C call into libtorch's profiler state.
        if unsafe { dnactx_profiler_start(cuda as i32) } != 0 {
            return Err(Error::Internal(format!(
                "libtorch's profiler did not start: {}",
                last_error()
            )));
        }
        Ok(Profiler(()))
    }

    /// Stops recording and writes the events to `path` (name, device, start_ns, dur_ns,
    /// correlation, linked, flops); returns the number of device kernels recorded.
    pub fn stop(self, path: &Path) -> Result<u64> {
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| Error::invalid(path, "a path with a NUL byte"))?;
        // SAFETY: a NUL-terminated path, read during the call only.
        let n = unsafe { dnactx_profiler_stop(c.as_ptr()) };
        if n < 0 {
            return Err(Error::invalid(path, format!("profiler: {}", last_error())));
        }
        Ok(n as u64)
    }
}

/// A CUDA graph of work queued on one device: captured once ([`CudaGraph::capture`]), then
/// replayed with one launch ([`CudaGraph::replay`]) on whatever the tensors it read and wrote
/// hold then. Built only with `DNACTX_CUDA_GRAPH=1` (bench/gpu-carry.sh); elsewhere
/// [`CudaGraph::new`] fails with the reason.
pub struct CudaGraph(*mut c_void);

impl CudaGraph {
    pub fn new(device: usize) -> Result<CudaGraph> {
        // SAFETY: a plain C call; it returns an owned pointer or null.
        let p = unsafe { dnactx_graph_new(device as i32) };
        if p.is_null() {
            return Err(Error::Internal(format!("CUDA graph: {}", last_error())));
        }
        Ok(CudaGraph(p))
    }

    /// Runs `f` on the graph's side stream (after the work already queued, and before the
    /// work queued after it): the warm-up a capture needs runs there.
    pub fn on_side_stream<T>(&mut self, f: impl FnOnce() -> T) -> Result<T> {
        self.call(|g| unsafe { dnactx_graph_side(g, 1) })?;
        let out = f();
        self.call(|g| unsafe { dnactx_graph_side(g, 0) })?;
        Ok(out)
    }

    /// Captures the device work `f` queues (on the side stream) into the graph, without
    /// running it.
    pub fn capture(&mut self, f: impl FnOnce()) -> Result<()> {
        self.call(|g| unsafe { dnactx_graph_side(g, 1) })?;
        let begun = self.call(|g| unsafe { dnactx_graph_capture(g, 1) });
        if begun.is_ok() {
            f();
        }
        let ended = begun.and_then(|()| self.call(|g| unsafe { dnactx_graph_capture(g, 0) }));
        self.call(|g| unsafe { dnactx_graph_side(g, 0) })?;
        ended
    }

    /// Runs the captured work again, on the current stream.
    pub fn replay(&mut self) -> Result<()> {
        self.call(|g| unsafe { dnactx_graph_replay(g) })
    }

    fn call(&self, f: impl FnOnce(*mut c_void) -> i32) -> Result<()> {
        // SAFETY (of the callers' closures): the pointer is this graph's, alive until drop.
        if f(self.0) != 0 {
            return Err(Error::Internal(format!("CUDA graph: {}", last_error())));
        }
        Ok(())
    }
}

impl Drop for CudaGraph {
    fn drop(&mut self) {
        // SAFETY: the pointer came from dnactx_graph_new and is freed once, here.
        unsafe { dnactx_graph_free(self.0) }
    }
}
