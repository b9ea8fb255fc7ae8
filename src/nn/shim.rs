//! Safe wrappers of what src/nn/shim.cpp adds to tch: a layer norm in its input's own
//! precision, one fused AdamW step over every variable, libtorch's profiler and CUDA graphs;
//! and of src/nn/shim_autograd.cpp's operators with gradients of their own, which the
//! channels-last network is built from (a convolution's weights, activations moved between row
//! layouts, the head's input). (Autocast and pinned memory, from shim.cpp, are in
//! [`super::precision`].)

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
    fn dnactx_conv_weights(
        w: *const c_void,
        b: *const c_void,
        reverse: i32,
        dense: i32,
        kind: i32,
        kernel: *mut *mut c_void,
        bias: *mut *mut c_void,
    ) -> i32;
    fn dnactx_span_cat(
        xs: *const *mut c_void,
        starts: *const i64,
        n: i64,
        len: i64,
        kind: i32,
    ) -> *mut c_void;
    fn dnactx_relayout(
        x: *const c_void,
        src: i64,
        dst: i64,
        m: i64,
        rows: i64,
        d: i64,
    ) -> *mut c_void;
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
    fn dnactx_foreach_lerp(a: *const *mut c_void, b: *const *mut c_void, n: i64, w: f64) -> i32;
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
/// over rows, C_out x C_in x k x 1 with channels-last strides, and its bias (where given), both
/// in `kind` (the input's dtype, so that autocast need not cast them again); the kernel flipped
/// along k with `reverse`. One operator with a backward node of its own
/// (src/nn/shim_autograd.cpp), where a flip, an unsqueeze, a copy and a cast took several.
pub fn conv_weights(
    w: &Tensor,
    b: Option<&Tensor>,
    reverse: bool,
    kind: tch::Kind,
) -> (Tensor, Option<Tensor>) {
    weights(w, b, reverse, false, kind)
}

/// A 1x1 convolution's weight (C_out x C_in x 1) as the C_out x C_in matrix of a dense layer,
/// and its bias (where given), both in `kind`: [`conv_weights`] for the head.
pub fn dense_weights(w: &Tensor, b: Option<&Tensor>, kind: tch::Kind) -> (Tensor, Option<Tensor>) {
    weights(w, b, false, true, kind)
}

fn weights(
    w: &Tensor,
    b: Option<&Tensor>,
    reverse: bool,
    dense: bool,
    kind: tch::Kind,
) -> (Tensor, Option<Tensor>) {
    let (mut k, mut bias) = (std::ptr::null_mut(), std::ptr::null_mut());
    let b_ptr = b.map_or(std::ptr::null(), |b| b.as_ptr().cast());
    // SAFETY: tch's tensor pointers are at::Tensor*, which the shim only reads; it stores new
    // at::Tensor* in `k` (and `bias` where `b` is given), which the returned Tensors then own.
    let rc = unsafe {
        dnactx_conv_weights(
            w.as_ptr().cast(),
            b_ptr,
            reverse as i32,
            dense as i32,
            scalar_type(kind),
            &mut k,
            &mut bias,
        )
    };
    assert!(
        rc == 0,
        "libtorch could not lay out the kernel {:?}: {}",
        w.size(),
        last_error()
    );
    let own = |p: *mut c_void| unsafe { Tensor::from_ptr(p.cast()) };
    (own(k), (!bias.is_null()).then(|| own(bias)))
}

/// Positions `src .. src + m` of `x` (N x L x C, or N x C x rows' x d' with channels-last
/// strides, position = row * d' + phase) at `dst .. dst + m` of zeros laid out as N x C x
/// `rows` x `d` with channels-last strides: activations moved into the rows a convolution of
/// dilation `d` reads. One operator with a backward node of its own (src/nn/shim_autograd.cpp),
/// where a permute, a reshape, a narrow, a pad, a view and a permute took six.
pub fn relayout(x: &Tensor, src: i64, dst: i64, m: i64, rows: i64, d: i64) -> Tensor {
    // SAFETY: as in layer_norm: the shim reads `x` and returns a new at::Tensor* or null.
    let p = unsafe { dnactx_relayout(x.as_ptr().cast(), src, dst, m, rows, d) };
    assert!(
        !p.is_null(),
        "libtorch could not lay out {:?} in rows of {d}: {}",
        x.size(),
        last_error()
    );
    unsafe { Tensor::from_ptr(p.cast()) }
}

/// Positions `start .. start + len` of each `(x, start)` (N x L x C, or N x C x rows x d with
/// channels-last strides, position = row * d + phase) side by side as N x len x (their channels)
/// in `kind`: the head's input made from the two streams and the prior. One operator with a
/// backward node of its own (src/nn/shim_autograd.cpp), where the streams' layouts, the
/// narrows, the prior's cast and the concatenations took eleven.
pub fn span_cat(parts: &[(&Tensor, i64)], len: i64, kind: tch::Kind) -> Tensor {
    let xs: Vec<*mut c_void> = parts
        .iter()
        .map(|(t, _)| t.as_ptr() as *mut c_void)
        .collect();
    let starts: Vec<i64> = parts.iter().map(|&(_, s)| s).collect();
    // SAFETY: n live at::Tensor* and n starts, read during the call; the shim returns a new
    // at::Tensor* or null.
    let p = unsafe {
        dnactx_span_cat(
            xs.as_ptr(),
            starts.as_ptr(),
            xs.len() as i64,
            len,
            scalar_type(kind),
        )
    };
    assert!(
        !p.is_null(),
        "libtorch could not join the streams' span of {len}: {}",
        last_error()
    );
    unsafe { Tensor::from_ptr(p.cast()) }
}

/// The at::Tensor pointers of `ts`, as the shim's list-valued calls take them.
fn tensor_ptrs(ts: &[Tensor]) -> Vec<*mut c_void> {
    ts.iter().map(|t| t.as_ptr() as *mut c_void).collect()
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
/// norm (the kernel's grad_scale), libtorch's fused AdamW, the gradients let go (set to
/// none) on CUDA, zeroed on the CPU. Nothing is read back to the host.
pub fn adamw_step(
    params: &[Tensor],
    exp_avg: &[Tensor],
    exp_avg_sq: &[Tensor],
    steps: &[Tensor],
    h: AdamWStep,
) -> Result<()> {
    let n = params.len();
    assert!(exp_avg.len() == n && exp_avg_sq.len() == n && steps.len() == n);
    let (p, m, v, s) = (
        tensor_ptrs(params),
        tensor_ptrs(exp_avg),
        tensor_ptrs(exp_avg_sq),
        tensor_ptrs(steps),
    );
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

/// `a[i] += weight * (b[i] - a[i])` for every pair, in place, in one operator (libtorch's
/// `_foreach_lerp_`, outside autograd).
pub fn foreach_lerp(a: &[Tensor], b: &[Tensor], weight: f64) -> Result<()> {
    assert_eq!(a.len(), b.len());
    let (pa, pb) = (tensor_ptrs(a), tensor_ptrs(b));
    // SAFETY: two arrays of n live at::Tensor* (borrowed for the call); the shim updates the
    // first in place and keeps no pointer.
    if unsafe { dnactx_foreach_lerp(pa.as_ptr(), pb.as_ptr(), a.len() as i64, weight) } != 0 {
        return Err(Error::Internal(format!(
            "the moving average's update failed: {}",
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

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// Frees a tensor of NaNs of `bytes`, so that the next tensor allocated of about that size
    /// likely starts with them: a zero an operator forgets to write then shows.
    fn dirty(bytes: i64) {
        drop(Tensor::full(
            [bytes / 4],
            f64::NAN,
            (Kind::Float, Device::Cpu),
        ));
    }

    /// Fixed values of `shape` (not from libtorch's generator, which tests beside draw from),
    /// a leaf that records gradients.
    fn leaf(shape: &[i64], seed: f64) -> Tensor {
        let n: i64 = shape.iter().product();
        let t = (Tensor::arange(n, (Kind::Float, Device::Cpu)) * 0.61 + seed).sin();
        t.view(shape).set_requires_grad(true)
    }

    /// The gradients of `inputs` under a loss that weighs every output element differently.
    fn grads(outputs: &[&Tensor], inputs: &[&Tensor]) -> Vec<Tensor> {
        let loss = outputs.iter().enumerate().fold(
            Tensor::zeros([], (Kind::Float, Device::Cpu)),
            |acc, (i, t)| {
                let w = leaf(&t.size(), 0.3 * i as f64 + 1.0).detach();
                acc + (t.to_kind(Kind::Float) * w).sum(Kind::Float)
            },
        );
        Tensor::run_backward(&[loss], inputs, false, false)
    }

    /// conv_weights gives what a flip, an unsqueeze and a cast give, forward and backward, in
    /// float32 and bfloat16, with and without the bias, the kernel laid out channels-last.
    #[test]
    fn conv_weights_match_their_composition() {
        let (co, ci, k) = (5, 3, 4);
        for reverse in [false, true] {
            for kind in [Kind::Float, Kind::BFloat16] {
                for with_bias in [false, true] {
                    let (w, b) = (leaf(&[co, ci, k], 0.0), leaf(&[co], 2.0));
                    let (kernel, bias) = conv_weights(&w, with_bias.then_some(&b), reverse, kind);
                    assert_eq!(kernel.stride(), [ci * k, 1, ci, ci], "channels-last");
                    assert_eq!(bias.is_some(), with_bias);
                    let flipped = if reverse {
                        w.flip([2])
                    } else {
                        w.shallow_clone()
                    };
                    let want_k = flipped.unsqueeze(3).to_kind(kind);
                    let want_b = b.to_kind(kind);
                    assert_eq!(kernel.kind(), kind);
                    assert!(kernel.equal(&want_k), "{reverse} {kind:?}: kernel");
                    let (got, want) = match &bias {
                        Some(bias) => {
                            assert!(bias.equal(&want_b), "{reverse} {kind:?}: bias");
                            (
                                grads(&[&kernel, bias], &[&w, &b]),
                                grads(&[&want_k, &want_b], &[&w, &b]),
                            )
                        }
                        None => (grads(&[&kernel], &[&w]), grads(&[&want_k], &[&w])),
                    };
                    for (g, h) in got.iter().zip(&want) {
                        assert_eq!(g.kind(), Kind::Float);
                        assert!(g.equal(h), "{reverse} {kind:?} {with_bias}: gradients");
                    }
                }
            }
        }
    }

    /// dense_weights gives what a squeeze and a cast give, forward and backward.
    #[test]
    fn dense_weights_match_a_squeeze_and_a_cast() {
        for kind in [Kind::Float, Kind::BFloat16] {
            let (w, b) = (leaf(&[6, 5, 1], 0.7), leaf(&[6], 1.7));
            let (m, bias) = dense_weights(&w, Some(&b), kind);
            let bias = bias.expect("a bias given");
            let (want_m, want_b) = (w.squeeze_dim(-1).to_kind(kind), b.to_kind(kind));
            assert!(m.equal(&want_m) && bias.equal(&want_b), "{kind:?}: values");
            let got = grads(&[&m, &bias], &[&w, &b]);
            let want = grads(&[&want_m, &want_b], &[&w, &b]);
            for (g, h) in got.iter().zip(&want) {
                assert!(g.equal(h), "{kind:?}: gradients");
            }
        }
    }

    /// relayout gives what a narrow, a pad, a view and a permute give, forward and backward,
    /// from N x L x C and from rows of another dilation, cropping at either end.
    #[test]
    fn relayout_matches_a_pad_of_the_positions() {
        let (n, c, positions) = (2, 3, 12);
        // (src, dst, m, rows, d) into rows of d out of `positions` positions
        for (src, dst, m, rows, d) in [
            (0, 4, 12, 4, 4),
            (1, 0, 11, 3, 4),
            (0, 2, 12, 7, 2),
            (3, 5, 6, 5, 3),
        ] {
            for from_rows in [false, true] {
                let x = leaf(&[n, positions, c], 1.0);
                let input = if from_rows {
                    x.view([n, 4, 3, c]).permute([0, 3, 1, 2]) // rows of 3, channels-last
                } else {
                    x.shallow_clone()
                };
                dirty(n * rows * d * c * 4);
                let got = relayout(&input, src, dst, m, rows, d);
                let after = rows * d - dst - m;
                let want = x
                    .narrow(1, src, m)
                    .constant_pad_nd([0, 0, dst, after])
                    .view([n, rows, d, c])
                    .permute([0, 3, 1, 2]);
                let case = format!("{src} {dst} {m} {rows}x{d} from rows: {from_rows}");
                assert_eq!(got.size(), want.size(), "{case}");
                assert!(got.equal(&want), "{case}: values");
                let (g, h) = (grads(&[&got], &[&x]), grads(&[&want], &[&x]));
                assert!(g[0].equal(&h[0]), "{case}: gradients");
            }
        }
    }

    /// span_cat gives what narrows, a cast and a concatenation give, forward and backward,
    /// from rows and from N x L x C, in float32 and in bfloat16 (the prior cast).
    #[test]
    fn span_cat_matches_narrows_and_a_concatenation() {
        let (n, len) = (2, 5);
        for kind in [Kind::Float, Kind::BFloat16] {
            let a = leaf(&[n, 12, 3], 0.5); // rows of 4 below, channels-last
            let b = leaf(&[n, 9, 2], 1.5);
            let p = leaf(&[n, 7, 4], 2.5);
            let a_rows = a.view([n, 3, 4, 3]).permute([0, 3, 1, 2]);
            let parts = [(&a_rows, 6), (&b, 1), (&p, 2)];
            let got = span_cat(&parts, len, kind);
            let want = Tensor::cat(
                &[
                    a.narrow(1, 6, len).to_kind(kind),
                    b.narrow(1, 1, len).to_kind(kind),
                    p.narrow(1, 2, len).to_kind(kind),
                ],
                2,
            );
            assert_eq!(got.kind(), kind);
            assert!(got.equal(&want), "{kind:?}: values");
            let (g, h) = (
                grads(&[&got], &[&a, &b, &p]),
                grads(&[&want], &[&a, &b, &p]),
            );
            for (x, y) in g.iter().zip(&h) {
                assert!(x.equal(y), "{kind:?}: gradients");
            }
        }
    }
}
