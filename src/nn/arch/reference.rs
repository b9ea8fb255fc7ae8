//! The channels-first network ([`super::Layout::ChannelsFirst`]), as dnactx computed every
//! network before 2026-12 and still does on the CPU: N x C x L activations, each layer norm
//! between two transposes, the right stream run on the flipped sequence and flipped back, the
//! head as 1x1 convolutions over every position. It has the same variables as the
//! channels-last network, so the same weights load into either: the tests hold the
//! channels-last network to it (the same predictions within 1e-4 in float32), and
//! `examples/step_bench.rs` times it as the "before".

use tch::Tensor;
use tch::nn::Module;

use super::ContextNet;
use crate::nn::layers::{CausalStream, Join, TwoStream, flip, one_hot, residual, shift_right};

#[derive(Debug)]
pub(super) struct Reference<S: CausalStream> {
    pub(super) net: TwoStream<S>,
    pub(super) field: usize,
    pub(super) min_field: usize,
}

impl<S: CausalStream> Reference<S> {
    /// N x L codes -> N x C x L: the two streams joined, channels-first.
    fn joined(&self, codes: &Tensor) -> Tensor {
        let x = one_hot(codes);
        let l = self.net.left.forward(&shift_right(&x));
        let r = flip(&self.net.right.forward(&shift_right(&flip(&x))));
        match self.net.join {
            Join::Concat => Tensor::cat(&[l, r], 1),
            Join::Sum => l + r,
        }
    }
}

impl<S: CausalStream> ContextNet for Reference<S> {
    fn field(&self) -> usize {
        self.field
    }
    fn min_field(&self) -> usize {
        self.min_field
    }
    /// The head over every position, then the span kept, as before.
    fn forward_span(&self, codes: &Tensor, prior: Option<&Tensor>, start: i64, len: i64) -> Tensor {
        let mut h = self.joined(codes);
        if let Some(p) = prior {
            h = Tensor::cat(&[h, p.permute([0, 2, 1])], 1);
        }
        let logits = self.net.head.forward(&h).permute([0, 2, 1]);
        let prior = prior.map(|p| p.narrow(2, 0, 4));
        residual(logits, prior.as_ref(), &self.net.residual).narrow(1, start, len)
    }
    fn features(&self, codes: &Tensor) -> Tensor {
        self.joined(codes).permute([0, 2, 1])
    }
    fn features_concat(&self) -> bool {
        matches!(self.net.join, Join::Concat)
    }
}
