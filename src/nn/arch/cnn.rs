//! The CNN: causal dilated convolutions, optionally residual; the field is one plus the
//! reach of every kernel.

use tch::Tensor;
use tch::nn::{self, Module};

use super::{ContextNet, Frame, HeadSpec, bad};
use crate::Result;
use crate::nn::config::CnnConfig;
use crate::nn::layers::{CausalConv, CausalStream, Join, Rows};

#[derive(Debug)]
struct CnnStream {
    convs: Vec<CausalConv>,
    /// Per layer after the first, with `norm`: a layer norm over channels of its input.
    norms: Vec<nn::LayerNorm>,
    residual: bool,
}

impl CausalStream for CnnStream {
    /// Channels-first ([`super::Layout::ChannelsFirst`]: the CPU's, and the reference).
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut h = x.shallow_clone();
        for (i, conv) in self.convs.iter().enumerate() {
            let y = match self.norms.get(i.wrapping_sub(1)) {
                Some(norm) => conv.forward(&channel_norm(norm, &h)),
                None => conv.forward(&h),
            }
            .relu();
            h = if self.residual && i > 0 { h + y } else { y };
        }
        h
    }

    fn length_multiple(&self) -> i64 {
        self.convs
            .iter()
            .map(|c| c.dilation() as i64)
            .fold(1, |m, d| m / gcd(m, d) * d)
    }

    /// Channels-last ([`super::Layout::ChannelsLast`], CUDA's): the norms run over contiguous
    /// channels in the activations' precision, the convolutions channels-last; the first
    /// convolution takes the one-base shift. Consecutive layers of one dilation pass their
    /// activations on in rows ([`Rows`]), sparing the re-layout between them.
    fn forward_nlc(&self, x: &Tensor, reverse: bool) -> Tensor {
        self.forward_rows(x, reverse).flat()
    }

    /// [`CausalStream::forward_nlc`] left in the last layer's rows.
    fn forward_rows(&self, x: &Tensor, reverse: bool) -> Rows {
        let mut h = Rows::flat_input(x, reverse);
        for (i, conv) in self.convs.iter().enumerate() {
            let y = match self.norms.get(i.wrapping_sub(1)) {
                Some(norm) => conv.forward_rows(&norm_rows(norm, &h), i == 0),
                None => conv.forward_rows(&h, i == 0),
            }
            .map(Tensor::relu);
            h = if self.residual && i > 0 {
                add(&h, &y)
            } else {
                y
            };
        }
        h
    }
}

/// `a + b`, in rows where both are in rows of one dilation (then laid out alike).
fn add(a: &Rows, b: &Rows) -> Rows {
    if a.d == b.d {
        a.map(|t| t + &b.t)
    } else {
        Rows::flat_input(&(a.flat() + b.flat()), a.reverse)
    }
}

/// Each position normalized over its channels, the activations kept as they lie.
fn norm_rows(norm: &nn::LayerNorm, x: &Rows) -> Rows {
    if x.d == 0 {
        return x.map(|t| norm_nlc(norm, t));
    }
    x.map(|t| norm_nlc(norm, &t.permute([0, 2, 3, 1])).permute([0, 3, 1, 2]))
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// N x C x L -> the same, each position normalized over its C channels (so causality holds).
fn channel_norm(norm: &nn::LayerNorm, x: &Tensor) -> Tensor {
    x.transpose(1, 2).apply(norm).transpose(1, 2)
}

/// The layer norm's epsilon (tch's default, which the norms are built with).
const NORM_EPS: f64 = 1e-5;

/// N x L x C -> the same, each position normalized over its C channels, in `x`'s precision.
fn norm_nlc(norm: &nn::LayerNorm, x: &Tensor) -> Tensor {
    match (&norm.ws, &norm.bs) {
        (Some(w), Some(b)) => crate::nn::shim::layer_norm(x, w, b, NORM_EPS),
        _ => unreachable!("the CNN's norms are built with weights"),
    }
}

/// The CNN `c` describes, its settings checked; `head`: the prior among its inputs, and its outputs.
pub(super) fn build(vs: &nn::Path, c: &CnnConfig, head: HeadSpec) -> Result<Box<dyn ContextNet>> {
    check(c)?;
    let field = 1 + c
        .kernel_sizes
        .iter()
        .zip(&c.dilations)
        .map(|(k, d)| (k - 1) * d)
        .sum::<usize>();
    let frame = Frame {
        width: c.channels,
        join: Join::Concat,
        dense: &c.dense,
        field,
        min_field: field,
    };
    Ok(frame.build(vs, head, |p| CnnStream::new(p, c)))
}

fn check(c: &CnnConfig) -> Result<()> {
    if c.kernel_sizes.is_empty() || c.kernel_sizes.len() != c.dilations.len() {
        return Err(bad(format!(
            "cnn: kernel_sizes ({}) and dilations ({}) must be non-empty lists of the same length",
            c.kernel_sizes.len(),
            c.dilations.len()
        )));
    }
    if c.kernel_sizes.iter().chain(&c.dilations).any(|&x| x == 0) || c.channels == 0 {
        return Err(bad(
            "cnn: kernel sizes, dilations and channels must be at least 1".into(),
        ));
    }
    Ok(())
}

impl CnnStream {
    /// One stream of the CNN `c` under `p`: its causal convolutions and, with `c.norm`, a
    /// norm before each but the first.
    fn new(p: nn::Path, c: &CnnConfig) -> CnnStream {
        let layers = c.kernel_sizes.iter().zip(&c.dilations).enumerate();
        let convs = layers
            .map(|(i, (&k, &d))| {
                let c_in = if i == 0 { 4 } else { c.channels };
                CausalConv::new(&p / format!("conv{i}"), c_in, c.channels, k, d)
            })
            .collect();
        let norm = |i: usize| {
            let p = &p / format!("norm{i}");
            nn::layer_norm(p, vec![c.channels as i64], Default::default())
        };
        let norms = match c.norm {
            true => (1..c.kernel_sizes.len()).map(norm).collect(),
            false => Vec::new(),
        };
        CnnStream {
            convs,
            norms,
            residual: c.residual,
        }
    }
}
