//! Building blocks shared by the architectures: the base codes models read, one-hot input,
//! the center-blind two-stream frame, causal convolutions and the dense head.
//!
//! Every architecture is a *causal stream* (output at position p sees only inputs at p and
//! before) used twice: the left stream reads the one-hot sequence shifted right by one base,
//! so position p sees bases before p; the right stream does the same on the reversed
//! sequence, and its output is reversed back, so p sees bases after p. Neither sees base p.
//! A dense head joins the two at each position into 4 logits (2 for a two-class target).

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
    codes
        .one_hot(5)
        .narrow(2, 0, 4)
        .to_kind(Kind::Float)
        .permute([0, 2, 1])
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
}

/// A 1-D convolution padded on the left only, so output p sees inputs p-(k-1)d ..= p.
#[derive(Debug)]
pub struct CausalConv {
    conv: nn::Conv1D,
    pad: i64,
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
    fn forward(&self, x: &Tensor) -> Tensor {
        self.layers
            .iter()
            .fold(x.shallow_clone(), |h, l| h.relu().apply(l))
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

impl<S: CausalStream> TwoStream<S> {
    /// N x L codes -> N x C x L: the two streams joined, the head's input (the prior aside).
    pub fn joined(&self, codes: &Tensor) -> Tensor {
        let x = one_hot(codes);
        let l = self.left.forward(&shift_right(&x));
        let r = flip(&self.right.forward(&shift_right(&flip(&x))));
        match self.join {
            Join::Concat => Tensor::cat(&[l, r], 1),
            Join::Sum => l + r,
        }
    }

    /// N x L codes (and an optional N x L x P prior: 4 log-probabilities, then any depth
    /// channels) -> N x L x C logits.
    pub fn forward(&self, codes: &Tensor, prior: Option<&Tensor>) -> Tensor {
        let mut h = self.joined(codes);
        if let Some(p) = prior {
            h = Tensor::cat(&[h, p.permute([0, 2, 1])], 1);
        }
        let logits = self.head.forward(&h).permute([0, 2, 1]);
        let prior = prior.map(|p| p.narrow(2, 0, 4));
        let prior = prior.as_ref();
        match (prior, &self.residual) {
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
}
