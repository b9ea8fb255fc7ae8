//! The transformer: pre-norm blocks of banded causal attention with relative position
//! biases; the bands of the layers add up to the flank.

use tch::nn;
use tch::{Kind, Tensor};

use super::{ContextNet, Frame, HeadSpec, bad};
use crate::Result;
use crate::nn::config::TransformerConfig;
use crate::nn::layers::{CausalStream, Join};

/// Banded causal multi-head attention: position p attends to positions p-w ..= p, with a
/// learned bias per head and offset (relative positions).
#[derive(Debug)]
struct BandedAttention {
    qkv: nn::Linear,
    out: nn::Linear,
    bias: Tensor,
    heads: i64,
    window: i64,
}

impl BandedAttention {
    fn new(vs: nn::Path, dim: usize, heads: usize, window: usize) -> Self {
        BandedAttention {
            qkv: nn::linear(&vs / "qkv", dim as i64, 3 * dim as i64, Default::default()),
            out: nn::linear(&vs / "out", dim as i64, dim as i64, Default::default()),
            bias: vs.zeros("rel_bias", &[heads as i64, window as i64 + 1]),
            heads: heads as i64,
            window: window as i64,
        }
    }

    /// x: N x L x D.
    fn forward(&self, x: &Tensor) -> Tensor {
        let (n, l, d) = x.size3().unwrap_or_default();
        let (h, w) = (self.heads, self.window);
        let dh = d / h;
        let qkv = x
            .apply(&self.qkv)
            .reshape([n, l, 3, h, dh])
            .permute([2, 0, 3, 1, 4]); // 3 x N x H x L x dh
        let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2));
        // keys/values of p-w ..= p for every p: N x H x L x dh x (w+1)
        let kw = k.constant_pad_nd([0, 0, w, 0]).unfold(2, w + 1, 1);
        let vw = v.constant_pad_nd([0, 0, w, 0]).unfold(2, w + 1, 1);
        let scores =
            q.unsqueeze(3).matmul(&kw).squeeze_dim(3) / (dh as f64).sqrt() + self.bias.unsqueeze(1);
        // offsets reaching before the start of the sequence are masked
        let pos = Tensor::arange(l, (Kind::Int64, x.device())).unsqueeze(1);
        let off = Tensor::arange(w + 1, (Kind::Int64, x.device())).unsqueeze(0);
        let outside = (pos + off).lt(w); // L x (w+1)
        let attn = scores
            .masked_fill(&outside, f64::NEG_INFINITY)
            .softmax(-1, Kind::Float);
        let o = attn.unsqueeze(3).matmul(&vw.transpose(3, 4)).squeeze_dim(3); // N x H x L x dh
        o.permute([0, 2, 1, 3]).reshape([n, l, d]).apply(&self.out)
    }
}

#[derive(Debug)]
struct Block {
    ln1: nn::LayerNorm,
    attn: BandedAttention,
    ln2: nn::LayerNorm,
    ff1: nn::Linear,
    ff2: nn::Linear,
}

#[derive(Debug)]
struct TransformerStream {
    embed: nn::Conv1D,
    blocks: Vec<Block>,
    ln: nn::LayerNorm,
}

impl CausalStream for TransformerStream {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut h = x.apply(&self.embed).permute([0, 2, 1]); // N x L x D
        for b in &self.blocks {
            h = &h + b.attn.forward(&h.apply(&b.ln1));
            h = &h + h.apply(&b.ln2).apply(&b.ff1).gelu("none").apply(&b.ff2);
        }
        h.apply(&self.ln).permute([0, 2, 1])
    }
}

/// The transformer `c` describes, its settings checked; `head`: the prior among its inputs, and its outputs.
pub(super) fn build(
    vs: &nn::Path,
    c: &TransformerConfig,
    head: HeadSpec,
) -> Result<Box<dyn ContextNet>> {
    let windows = attention_windows(c)?;
    let make = |p: nn::Path| TransformerStream {
        embed: nn::conv1d(&p / "embed", 4, c.dim as i64, 1, Default::default()),
        blocks: windows
            .iter()
            .enumerate()
            .map(|(i, &w)| Block::new(&p / format!("block{i}"), c, w))
            .collect(),
        ln: nn::layer_norm(&p / "ln", vec![c.dim as i64], Default::default()),
    };
    let frame = Frame {
        width: c.dim,
        join: Join::Concat,
        dense: &c.dense,
        field: c.flank,
        min_field: c.flank,
    };
    Ok(frame.build(vs, head, make))
}

/// Each layer's attention window: the shift gives one base, the layers' windows add up to
/// the rest of the flank (flank - 1), as evenly as they can. The settings checked.
fn attention_windows(c: &TransformerConfig) -> Result<Vec<usize>> {
    if c.layers == 0 || c.heads == 0 || c.dim == 0 || !c.dim.is_multiple_of(c.heads) {
        return Err(bad(format!(
            "transformer: dim ({}) must be a positive multiple of heads ({}), layers at least 1",
            c.dim, c.heads
        )));
    }
    if c.flank < c.layers + 1 {
        return Err(bad(format!(
            "transformer: flank {} is below layers + 1",
            c.flank
        )));
    }
    let reach = c.flank - 1;
    let w = reach.div_ceil(c.layers);
    let windows: Vec<usize> = (0..c.layers)
        .map(|i| w.min(reach - (w * i).min(reach)))
        .collect();
    if windows.contains(&0) {
        return Err(bad(format!(
            "transformer: flank {} is too small for {} layers",
            c.flank, c.layers
        )));
    }
    Ok(windows)
}

impl Block {
    /// A block under `q` of the transformer `c`, attending `window` bases back.
    fn new(q: nn::Path, c: &TransformerConfig, window: usize) -> Block {
        let dim = c.dim as i64;
        Block {
            ln1: nn::layer_norm(&q / "ln1", vec![dim], Default::default()),
            attn: BandedAttention::new(&q / "attn", c.dim, c.heads, window),
            ln2: nn::layer_norm(&q / "ln2", vec![dim], Default::default()),
            ff1: nn::linear(&q / "ff1", dim, c.ffn as i64, Default::default()),
            ff2: nn::linear(&q / "ff2", c.ffn as i64, dim, Default::default()),
        }
    }
}
