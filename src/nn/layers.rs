//! Building blocks shared by the architectures: the base codes models read, one-hot input,
//! the center-blind two-stream frame, causal convolutions and the dense head.
//!
//! Every architecture is a *causal stream* (output at position p sees only inputs at p and
//! before) used twice: the left stream reads the one-hot sequence shifted right by one base,
//! so position p sees bases before p; the right stream does the same on the reversed
//! sequence, and its output is reversed back, so p sees bases after p. Neither sees base p.
//! A dense head joins the two at each position into 4 logits (2 for a two-class target).
//!
//! Activations are laid out N x L x C (channels last): a layer norm then runs over contiguous
//! channels, convolutions run channels-last (what cuDNN's fastest kernels and oneDNN read), and
//! the head is a plain matrix product. The right stream runs on the sequence as it is, with
//! its kernels reversed (an anti-causal convolution), so nothing is flipped. That is CUDA's
//! layout ([`super::arch::Layout`]); streams written channels-first only (N x C x L: the LSTM
//! and the transformer) run in it through [`CausalStream::forward_nlc`]'s default, which
//! permutes and flips around them. The CPU runs every network channels-first, as before
//! 2026-12 ([`super::arch::reference`], also the reference of the tests).

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use crate::genome::encode;

/// Base codes as the models read them: 0..=3 for A, C, G, T and 4 for unknown or padding.
pub const UNKNOWN_CODE: i64 = 4;

/// Encoded bases (see [`crate::genome::encode`]) -> model codes (0..=3, or [`UNKNOWN_CODE`]).
pub fn model_codes(codes: &[u8]) -> Vec<i64> {
    codes
        .iter()
        .map(|&c| {
            if encode::is_acgt(c) {
                (c & 3) as i64
            } else {
                UNKNOWN_CODE
            }
        })
        .collect()
}

/// N x L codes (i64) -> N x 4 x L one-hot floats (an unknown base is all zeros).
pub fn one_hot(codes: &Tensor) -> Tensor {
    one_hot_nlc(codes).permute([0, 2, 1])
}

/// N x L codes (i64) -> N x L x 4 one-hot floats (an unknown base is all zeros).
pub fn one_hot_nlc(codes: &Tensor) -> Tensor {
    one_hot_as(codes, Kind::Float)
}

/// [`one_hot_nlc`] in `kind` (exact in any: the values are 0 and 1).
fn one_hot_as(codes: &Tensor, kind: Kind) -> Tensor {
    codes.one_hot(5).narrow(2, 0, 4).to_kind(kind)
}

/// Moves every position one step to the right along the last axis (zero enters at 0).
pub fn shift_right(x: &Tensor) -> Tensor {
    let l = *x.size().last().unwrap_or(&0);
    x.constant_pad_nd([1, 0]).narrow(-1, 0, l)
}

/// Reverses the last (position) axis.
pub fn flip(x: &Tensor) -> Tensor {
    x.flip([-1])
}

/// A causal stream: N x C_in x L in, N x C_out x L out, position p seeing inputs <= p.
pub trait CausalStream: std::fmt::Debug + Send {
    fn forward(&self, x: &Tensor) -> Tensor;

    /// Input lengths this stream runs fastest on are multiples of this (the widest dilation of
    /// a CNN: its convolutions then crop nothing); 1 by default.
    fn length_multiple(&self) -> i64 {
        1
    }

    /// The stream over N x L x 4 one-hot bases, as N x L x C_out: position p sees the bases
    /// before p (`reverse` false: the left stream), or after p (`reverse` true: the right
    /// stream, run on the sequence reversed), never p itself. By default through
    /// [`CausalStream::forward`], channels-first, shifting and flipping around it.
    fn forward_nlc(&self, x: &Tensor, reverse: bool) -> Tensor {
        let x = x.permute([0, 2, 1]);
        if reverse {
            flip(&self.forward(&shift_right(&flip(&x)))).permute([0, 2, 1])
        } else {
            self.forward(&shift_right(&x)).permute([0, 2, 1])
        }
    }

    /// [`CausalStream::forward_nlc`], its output left as the stream lays it out (a CNN's in
    /// rows): the head's input is gathered from it with the other stream's in one operator.
    fn forward_rows(&self, x: &Tensor, reverse: bool) -> Rows {
        Rows::flat_input(&self.forward_nlc(x, reverse), reverse)
    }
}

/// A 1-D convolution padded on the left only, so output p sees inputs p-(k-1)d ..= p.
#[derive(Debug)]
pub struct CausalConv {
    conv: nn::Conv1D,
    pad: i64,
    dilation: i64,
}

impl CausalConv {
    pub fn new(vs: nn::Path, c_in: usize, c_out: usize, kernel: usize, dilation: usize) -> Self {
        let cfg = nn::ConvConfig {
            dilation: dilation as i64,
            ..Default::default()
        };
        CausalConv {
            conv: nn::conv1d(vs, c_in as i64, c_out as i64, kernel as i64, cfg),
            pad: ((kernel - 1) * dilation) as i64,
            dilation: dilation as i64,
        }
    }

    /// Bases reached back: (k-1) * d.
    pub fn reach(&self) -> usize {
        self.pad as usize
    }
}

impl Module for CausalConv {
    fn forward(&self, x: &Tensor) -> Tensor {
        x.constant_pad_nd([self.pad, 0]).apply(&self.conv)
    }
}

impl CausalConv {
    /// The convolution over N x L x C_in, channels-last, as N x L x C_out: output p sees
    /// inputs p-(k-1)d ..= p, or with `reverse` p ..= p+(k-1)d (the kernel reversed); with
    /// `shift`, one base further (p-1 and before, or p+1 and after), so that a stream's first
    /// layer reads the unshifted bases. Zero beyond both ends, as the channels-first form pads.
    ///
    /// The dilation is taken out of the kernel: with the input padded to a whole number of
    /// rows of d positions (position p = row * d + phase, a free view of N x L x C), the
    /// dilated kernel is a k x 1 kernel over rows, which cuDNN runs on its fast implicit-GEMM
    /// kernels in every direction (its dilated weight gradient fell back to a slow kernel).
    pub fn forward_nlc(&self, x: &Tensor, reverse: bool, shift: bool) -> Tensor {
        self.forward_rows(&Rows::flat_input(x, reverse), shift)
            .flat()
    }

    /// [`CausalConv::forward_nlc`] over activations already in rows: those of a layer of
    /// the same dilation chain on without leaving them (no shift then), others are laid out
    /// anew. The output is in rows of this layer's dilation.
    pub fn forward_rows(&self, x: &Rows, shift: bool) -> Rows {
        let (d, reverse) = (self.dilation, x.reverse);
        let rows = if x.d == d && !shift {
            // zeros where the kernel reads beyond the valid positions; the padding of the
            // rows lies on the side it never reads
            let k_rows = self.pad / d;
            let (before, after) = if reverse { (0, k_rows) } else { (k_rows, 0) };
            x.t.constant_pad_nd([0, 0, before, after])
        } else {
            self.padded_rows(x, shift)
        };
        let (kernel, bias) = self.weights(reverse, rows.kind());
        let y = rows.conv2d(
            &kernel,
            bias.as_ref().or(self.conv.bs.as_ref()),
            [1, 1],
            [0, 0],
            [1, 1],
            1,
        );
        Rows {
            t: y,
            d,
            len: x.len,
            reverse,
        }
    }

    /// The activations `x` laid out anew in rows of this layer's dilation, as N x C x rows x
    /// d with channels-last strides: zeros where the kernel reaches beyond an end and up to a
    /// whole number of rows (after the end for a causal stream, before the start for
    /// `reverse`), moved by one with `shift` (a negative pad crops).
    fn padded_rows(&self, x: &Rows, shift: bool) -> Tensor {
        let (l, reverse) = (x.len, x.reverse);
        let (d, s) = (self.dilation, shift as i64);
        let tail = (d - l % d) % d;
        let (before, after) = if reverse {
            (tail - s, self.pad + s)
        } else {
            (self.pad + s, tail - s)
        };
        let positions = l + before + after;
        let (first, end) = ((-before).max(0), l.min(positions - before));
        crate::nn::shim::relayout(
            &x.t,
            x.start() + first,
            before + first,
            end - first,
            positions / d,
            d,
        )
    }

    /// The kernel as C_out x C_in x k x 1, channels-last like the input and in its `kind`
    /// (flipped with `reverse`), and the bias where it must be cast to `kind` (None: use
    /// the convolution's own).
    fn weights(&self, reverse: bool, kind: Kind) -> (Tensor, Option<Tensor>) {
        let bias = self.conv.bs.as_ref().filter(|b| b.kind() != kind);
        crate::nn::shim::conv_weights(&self.conv.ws, bias, reverse, kind)
    }

    /// The dilation: inputs whose length it divides run without cropping.
    pub fn dilation(&self) -> usize {
        self.dilation as usize
    }
}

/// Activations of `len` positions in rows of `d` (position p = row * d + phase), N x C x
/// rows x d with channels-last strides, as a convolution of dilation d reads them; or, with
/// `d` 0, N x L x C. The rows
/// hold up to d - 1 positions more than `len`: after the end for a causal stream, before the
/// start for an anti-causal one (`reverse`), where no valid position's kernel reads.
#[derive(Debug)]
pub struct Rows {
    pub t: Tensor,
    pub d: i64,
    pub len: i64,
    pub reverse: bool,
}

impl Rows {
    /// N x L x C activations, not yet in rows (`d` 0): the first convolution that reads
    /// them lays them out.
    pub fn flat_input(x: &Tensor, reverse: bool) -> Rows {
        Rows {
            t: x.shallow_clone(),
            d: 0,
            len: x.size()[1],
            reverse,
        }
    }

    /// The activations as N x L x C.
    pub fn flat(&self) -> Tensor {
        if self.d == 0 {
            return self.t.shallow_clone();
        }
        let (n, c, r, d) = self.t.size4().expect("N x C x rows x d");
        let y = self.t.permute([0, 2, 3, 1]).reshape([n, r * d, c]);
        let tail = r * d - self.len;
        match (tail, self.reverse) {
            (0, _) => y,
            (_, false) => y.narrow(1, 0, self.len),
            (_, true) => y.narrow(1, tail, self.len),
        }
    }

    /// Where the valid positions begin in [`Rows::t`]'s N x (rows x d) x C view: after the
    /// rows' padding, which lies before them for an anti-causal stream (`reverse`).
    pub fn start(&self) -> i64 {
        match (self.d, self.reverse) {
            (0, _) | (_, false) => 0,
            (_, true) => self.t.size()[2] * self.t.size()[3] - self.len,
        }
    }

    /// `f` applied to the activations as they lie (an elementwise function).
    pub fn map(&self, f: impl FnOnce(&Tensor) -> Tensor) -> Rows {
        Rows {
            t: f(&self.t),
            d: self.d,
            len: self.len,
            reverse: self.reverse,
        }
    }
}

/// How the two streams meet.
#[derive(Debug, Clone, Copy)]
pub enum Join {
    /// Concatenate the features.
    Concat,
    /// Add them (a dense layer over both flanks, as the MLP's first layer).
    Sum,
}

/// ReLU then a 1x1 convolution, per hidden width, then to `outputs` logits (4 bases, or 2
/// classes).
#[derive(Debug)]
pub struct Head {
    layers: Vec<nn::Conv1D>,
}

impl Head {
    pub fn new(vs: nn::Path, c_in: usize, hidden: &[usize], outputs: usize) -> Self {
        let mut layers = Vec::new();
        let mut c = c_in;
        for (i, &h) in hidden.iter().chain(std::iter::once(&outputs)).enumerate() {
            layers.push(nn::conv1d(
                &vs / format!("dense{i}"),
                c as i64,
                h as i64,
                1,
                Default::default(),
            ));
            c = h;
        }
        Head { layers }
    }
}

impl Module for Head {
    /// N x C x L in, N x outputs x L out (the channels-first form: 1x1 convolutions).
    fn forward(&self, x: &Tensor) -> Tensor {
        self.layers
            .iter()
            .fold(x.shallow_clone(), |h, l| h.relu().apply(l))
    }
}

impl Head {
    /// N x L x C in, N x L x outputs out: the same weights as matrix products over the
    /// channels.
    pub fn forward_nlc(&self, x: &Tensor) -> Tensor {
        self.layers.iter().fold(x.shallow_clone(), |h, l| {
            // under autocast, the weights cast to the input's bfloat16 in one operator
            let (w, b) = match l.ws.kind() == h.kind() {
                true => (l.ws.squeeze_dim(-1), None),
                false => {
                    let bias = l.bs.as_ref().filter(|b| b.kind() != h.kind());
                    crate::nn::shim::dense_weights(&l.ws, bias, h.kind())
                }
            };
            h.relu().linear(&w, b.as_ref().or(l.bs.as_ref()))
        })
    }
}

/// Two causal streams and a head: the center-blind frame of every architecture.
#[derive(Debug)]
pub struct TwoStream<S: CausalStream> {
    pub left: S,
    pub right: S,
    pub join: Join,
    pub head: Head,
    pub residual: PriorResidual,
}

/// How the prior's base log-probabilities join the head's logits.
#[derive(Debug)]
pub enum PriorResidual {
    /// Added as they are: the head learns a correction to the prior (a base model).
    Bases,
    /// Summed into the target's classes (a 4 x C matrix of 0 and 1), then added.
    Classes(Tensor),
    /// Not added: the prior is only an input (a repeat classifier).
    None,
}

impl PriorResidual {
    /// What a `target` model does with its prior's log-probabilities (matrices on
    /// `device`).
    pub fn for_target(target: crate::target::Target, device: tch::Device) -> PriorResidual {
        let classes = target.classes();
        match target.grouping() {
            None => PriorResidual::None,
            Some(_) if target.is_base() => PriorResidual::Bases,
            Some(g) => {
                let m: Vec<f32> = (0..4)
                    .flat_map(|b| (0..classes).map(move |c| f32::from(g[b] == c)))
                    .collect();
                let m = Tensor::from_slice(&m).view([4, classes as i64]);
                PriorResidual::Classes(m.to_device(device))
            }
        }
    }
}

impl<S: CausalStream> TwoStream<S> {
    /// N x L codes -> N x L x C: the two streams joined, the head's input (the prior aside).
    pub fn joined(&self, codes: &Tensor) -> Tensor {
        self.joined_span(codes, None, 0, codes.size()[1])
    }

    /// [`TwoStream::joined`] at positions `start .. start + len` only, with the prior's
    /// channels after the streams' where given (N x L x P, cast to the streams' precision: the
    /// head's first product reads it so under autocast).
    fn joined_span(&self, codes: &Tensor, prior: Option<&Tensor>, start: i64, len: i64) -> Tensor {
        // under bfloat16 autocast made so, as the first convolution would cast it (and its
        // weights, with a backward node each)
        let x = match crate::nn::precision::in_bf16_autocast(codes.device()) {
            true => one_hot_as(codes, Kind::BFloat16),
            false => one_hot_nlc(codes),
        };
        let l = self.left.forward_rows(&x, false);
        let r = self.right.forward_rows(&x, true);
        match self.join {
            Join::Concat => {
                let mut parts = vec![(&l.t, l.start() + start), (&r.t, r.start() + start)];
                parts.extend(prior.map(|p| (p, start)));
                crate::nn::shim::span_cat(&parts, len, l.t.kind())
            }
            Join::Sum => {
                let h = l.flat().narrow(1, start, len) + r.flat().narrow(1, start, len);
                match prior {
                    Some(p) => Tensor::cat(&[&h, &p.narrow(1, start, len).to_kind(h.kind())], 2),
                    None => h,
                }
            }
        }
    }

    /// N x L codes (and an optional N x L x P prior: 4 log-probabilities, then any depth
    /// channels) -> N x len x C logits of positions `start .. start + len` (the streams see
    /// every position; the head runs on the span only).
    pub fn forward_span(
        &self,
        codes: &Tensor,
        prior: Option<&Tensor>,
        start: i64,
        len: i64,
    ) -> Tensor {
        let h = self.joined_span(codes, prior, start, len);
        let logits = self.head.forward_nlc(&h);
        let prior = prior.map(|p| p.narrow(1, start, len).narrow(2, 0, 4));
        residual(logits, prior.as_ref(), &self.residual)
    }
}

/// The head's logits with the prior's log-probabilities added as `residual` says.
pub(crate) fn residual(logits: Tensor, prior: Option<&Tensor>, residual: &PriorResidual) -> Tensor {
    match (prior, residual) {
        // The head learns a correction to the prior's log-probabilities.
        (Some(p), PriorResidual::Bases) => logits + p,
        // summed in float32 (a matrix product would run in bfloat16 under autocast)
        (Some(p), PriorResidual::Classes(m)) => {
            logits
                + (p.exp().unsqueeze(-1) * m)
                    .sum_dim_intlist(-2, false, Kind::Float)
                    .log()
        }
        _ => logits,
    }
}
