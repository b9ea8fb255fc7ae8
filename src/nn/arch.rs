//! The four architectures, each a causal stream used twice in the center-blind frame of
//! [`super::layers`], and `build`, which makes the network a config asks for.

use tch::nn::{self, Module, RNN};
use tch::{Kind, Tensor};

use super::config::{CnnConfig, LstmConfig, MlpConfig, ModelConfig, TransformerConfig};
use super::layers::{CausalConv, CausalStream, Head, Join, TwoStream};
use crate::{Error, Result};

/// The model contract: N x L base codes in, N x L x 4 logits out; output i depends only on
/// bases within `field()` of i on either side, never on base i itself.
pub trait ContextNet: std::fmt::Debug + Send {
    /// The declared receptive field on each side, in bases.
    fn field(&self) -> usize;
    /// Bases every position is guaranteed to see on each side (equal to `field` except for
    /// recurrent models).
    fn min_field(&self) -> usize {
        self.field()
    }
    /// `prior`: N x L x 4 k-mer log-probabilities, for a network built with a prior.
    fn forward(&self, codes: &Tensor, prior: Option<&Tensor>) -> Tensor;
}

#[derive(Debug)]
struct Built<S: CausalStream> {
    net: TwoStream<S>,
    field: usize,
    min_field: usize,
}

impl<S: CausalStream> ContextNet for Built<S> {
    fn field(&self) -> usize {
        self.field
    }
    fn min_field(&self) -> usize {
        self.min_field
    }
    fn forward(&self, codes: &Tensor, prior: Option<&Tensor>) -> Tensor {
        self.net.forward(codes, prior)
    }
}

/// Builds the network under `vs` as `cfg` describes it; `prior` adds the 4 k-mer
/// log-probabilities to the head's input.
pub fn build(vs: &nn::Path, cfg: &ModelConfig, prior: bool) -> Result<Box<dyn ContextNet>> {
    let extra = if prior { 4 } else { 0 };
    Ok(match cfg {
        ModelConfig::Mlp(c) => mlp(vs, c, extra)?,
        ModelConfig::Cnn(c) => cnn(vs, c, extra)?,
        ModelConfig::Lstm(c) => lstm(vs, c, extra)?,
        ModelConfig::Transformer(c) => transformer(vs, c, extra)?,
    })
}

fn bad(msg: String) -> Error {
    Error::Config(msg)
}

#[allow(clippy::too_many_arguments)] // one call per architecture, each argument named at the call
fn frame<S: CausalStream + 'static>(
    vs: &nn::Path,
    make: impl Fn(nn::Path) -> S,
    width: usize,
    join: Join,
    dense: &[usize],
    field: usize,
    min_field: usize,
    extra: usize,
) -> Box<dyn ContextNet> {
    let head_in = extra
        + match join {
            Join::Concat => 2 * width,
            Join::Sum => width,
        };
    Box::new(Built {
        net: TwoStream {
            left: make(vs / "left"),
            right: make(vs / "right"),
            join,
            head: Head::new(vs / "head", head_in, dense),
        },
        field,
        min_field,
    })
}

// ---- MLP ---------------------------------------------------------------------------------

/// One linear map over the F bases before a position (its half of the first layer).
#[derive(Debug)]
struct MlpStream(CausalConv);

impl CausalStream for MlpStream {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.0.forward(x)
    }
}

fn mlp(vs: &nn::Path, c: &MlpConfig, extra: usize) -> Result<Box<dyn ContextNet>> {
    if c.flank == 0 || c.hidden.is_empty() {
        return Err(bad("mlp: flank and hidden must not be empty".into()));
    }
    let first = c.hidden[0];
    let make = |p: nn::Path| MlpStream(CausalConv::new(p / "flank", 4, first, c.flank, 1));
    Ok(frame(
        vs,
        make,
        first,
        Join::Sum,
        &c.hidden[1..],
        c.flank,
        c.flank,
        extra,
    ))
}

// ---- CNN ---------------------------------------------------------------------------------

#[derive(Debug)]
struct CnnStream {
    convs: Vec<CausalConv>,
    residual: bool,
}

impl CausalStream for CnnStream {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut h = x.shallow_clone();
        for (i, conv) in self.convs.iter().enumerate() {
            let y = conv.forward(&h).relu();
            h = if self.residual && i > 0 { h + y } else { y };
        }
        h
    }
}

fn cnn(vs: &nn::Path, c: &CnnConfig, extra: usize) -> Result<Box<dyn ContextNet>> {
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
    let field = 1 + c
        .kernel_sizes
        .iter()
        .zip(&c.dilations)
        .map(|(k, d)| (k - 1) * d)
        .sum::<usize>();
    let make = |p: nn::Path| CnnStream {
        convs: c
            .kernel_sizes
            .iter()
            .zip(&c.dilations)
            .enumerate()
            .map(|(i, (&k, &d))| {
                let c_in = if i == 0 { 4 } else { c.channels };
                CausalConv::new(&p / format!("conv{i}"), c_in, c.channels, k, d)
            })
            .collect(),
        residual: c.residual,
    };
    Ok(frame(
        vs,
        make,
        c.channels,
        Join::Concat,
        &c.dense,
        field,
        field,
        extra,
    ))
}

// ---- LSTM --------------------------------------------------------------------------------

/// Convolutions, then an LSTM run over overlapping blocks: blocks of `2b` positions start
/// every `b` positions and each keeps its second half, so a position's LSTM state has seen
/// between `b` and `2b - 1` earlier positions. That bounds the field.
#[derive(Debug)]
struct LstmStream {
    convs: Vec<CausalConv>,
    lstm: nn::LSTM,
    block: i64,
    hidden: i64,
}

impl CausalStream for LstmStream {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut f = x.shallow_clone();
        for conv in &self.convs {
            f = conv.forward(&f).relu();
        }
        let (n, c, l) = f.size3().unwrap_or_default();
        let b = self.block;
        let nb = (l + b - 1) / b;
        let padded = f.constant_pad_nd([b, nb * b - l]);
        let windows = padded.unfold(2, 2 * b, b); // N x C x nb x 2b
        let seqs = windows.permute([0, 2, 3, 1]).reshape([n * nb, 2 * b, c]);
        let (out, _) = self.lstm.seq(&seqs);
        out.narrow(1, b, b)
            .reshape([n, nb * b, self.hidden])
            .narrow(1, 0, l)
            .permute([0, 2, 1])
    }
}

fn lstm(vs: &nn::Path, c: &LstmConfig, extra: usize) -> Result<Box<dyn ContextNet>> {
    let reach: usize = c.kernel_sizes.iter().map(|k| k.saturating_sub(1)).sum();
    if c.kernel_sizes.contains(&0) || c.hidden == 0 || c.conv_channels == 0 {
        return Err(bad(
            "lstm: kernel sizes, conv_channels and hidden must be at least 1".into(),
        ));
    }
    if c.flank < reach + 2 {
        return Err(bad(format!(
            "lstm: flank {} is too small for convolutions reaching {reach} bases",
            c.flank
        )));
    }
    // A position sees at least block + reach + 1 = flank bases, at most 2 block + reach.
    let block = c.flank - reach - 1;
    let field = 2 * block + reach;
    let make = |p: nn::Path| {
        let mut convs = Vec::new();
        let mut c_in = 4;
        for (i, &k) in c.kernel_sizes.iter().enumerate() {
            convs.push(CausalConv::new(
                &p / format!("conv{i}"),
                c_in,
                c.conv_channels,
                k,
                1,
            ));
            c_in = c.conv_channels;
        }
        let cfg = nn::RNNConfig {
            batch_first: true,
            ..Default::default()
        };
        LstmStream {
            convs,
            lstm: nn::lstm(&p / "lstm", c_in as i64, c.hidden as i64, cfg),
            block: block as i64,
            hidden: c.hidden as i64,
        }
    };
    Ok(frame(
        vs,
        make,
        c.hidden,
        Join::Concat,
        &c.dense,
        field,
        c.flank,
        extra,
    ))
}

// ---- Transformer -------------------------------------------------------------------------

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

fn transformer(vs: &nn::Path, c: &TransformerConfig, extra: usize) -> Result<Box<dyn ContextNet>> {
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
    // The shift gives one base; the layers' windows add up to the rest: flank - 1.
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
    let make = |p: nn::Path| TransformerStream {
        embed: nn::conv1d(&p / "embed", 4, c.dim as i64, 1, Default::default()),
        blocks: windows
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let q = &p / format!("block{i}");
                Block {
                    ln1: nn::layer_norm(&q / "ln1", vec![c.dim as i64], Default::default()),
                    attn: BandedAttention::new(&q / "attn", c.dim, c.heads, w),
                    ln2: nn::layer_norm(&q / "ln2", vec![c.dim as i64], Default::default()),
                    ff1: nn::linear(&q / "ff1", c.dim as i64, c.ffn as i64, Default::default()),
                    ff2: nn::linear(&q / "ff2", c.ffn as i64, c.dim as i64, Default::default()),
                }
            })
            .collect(),
        ln: nn::layer_norm(&p / "ln", vec![c.dim as i64], Default::default()),
    };
    Ok(frame(
        vs,
        make,
        c.dim,
        Join::Concat,
        &c.dense,
        c.flank,
        c.flank,
        extra,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::config::*;
    use crate::regions::splits::SplitMix64;

    fn small_configs() -> Vec<ModelConfig> {
        vec![
            ModelConfig::Mlp(MlpConfig {
                flank: 7,
                hidden: vec![16, 8],
            }),
            ModelConfig::Cnn(CnnConfig {
                channels: 8,
                kernel_sizes: vec![2, 3, 3],
                dilations: vec![1, 2, 3],
                residual: true,
                dense: vec![8],
            }),
            ModelConfig::Lstm(LstmConfig {
                flank: 9,
                conv_channels: 6,
                kernel_sizes: vec![3],
                hidden: 8,
                dense: vec![8],
            }),
            ModelConfig::Transformer(TransformerConfig {
                flank: 8,
                dim: 8,
                heads: 2,
                layers: 2,
                ffn: 16,
                dense: vec![8],
            }),
        ]
    }

    fn outputs(net: &dyn ContextNet, codes: &[i64]) -> Vec<f32> {
        let t = Tensor::from_slice(codes).view([1, codes.len() as i64]);
        let out = tch::no_grad(|| net.forward(&t, None));
        assert_eq!(out.size(), vec![1, codes.len() as i64, 4]);
        Vec::<f32>::try_from(out.reshape([-1])).unwrap()
    }

    fn same(a: &[f32], b: &[f32], i: usize) -> bool {
        (0..4).all(|k| (a[i * 4 + k] - b[i * 4 + k]).abs() <= 1e-6)
    }

    /// The model contract, for every architecture: output i never depends on base i nor on
    /// bases beyond the declared field, and does depend on bases inside it.
    #[test]
    fn contract_holds_for_every_architecture() {
        for cfg in small_configs() {
            tch::manual_seed(3);
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = build(&vs.root(), &cfg, false).unwrap();
            let (field, min_field) = (net.field(), net.min_field());
            let len = 4 * field + 30;
            let mut rng = SplitMix64(11);
            let mut changed_inside = 0;
            for trial in 0..12 {
                let codes: Vec<i64> = (0..len).map(|_| rng.below(5) as i64).collect();
                let base = outputs(net.as_ref(), &codes);
                let i = field + 5 + rng.below((len - 2 * field - 10) as u64) as usize;
                let mutate = |p: usize, codes: &[i64]| {
                    let mut c = codes.to_vec();
                    c[p] = (c[p] + 1 + (trial % 4) as i64) % 5;
                    outputs(net.as_ref(), &c)
                };
                assert!(
                    same(&base, &mutate(i, &codes), i),
                    "{}: output {i} depends on base {i}",
                    cfg.name()
                );
                for p in (0..i.saturating_sub(field)).chain(i + field + 1..len) {
                    assert!(
                        same(&base, &mutate(p, &codes), i),
                        "{}: output {i} depends on base {p}, beyond field {field}",
                        cfg.name()
                    );
                }
                for d in 1..=min_field {
                    for p in [i - d, i + d] {
                        if !same(&base, &mutate(p, &codes), i) {
                            changed_inside += 1;
                        }
                    }
                }
            }
            // inside the field, changes do in general reach the output
            assert!(
                changed_inside > 12 * min_field,
                "{}: only {changed_inside} changes inside the field mattered",
                cfg.name()
            );
        }
    }

    #[test]
    fn default_sizes_match_the_seed() {
        for (cfg, lo, hi) in [
            (ModelConfig::Cnn(CnnConfig::default()), 2_300_000, 2_700_000),
            (
                ModelConfig::Lstm(LstmConfig::default()),
                2_300_000,
                2_700_000,
            ),
            (
                ModelConfig::Transformer(TransformerConfig::default()),
                2_300_000,
                2_700_000,
            ),
            (ModelConfig::Mlp(MlpConfig::default()), 250_000, 350_000),
        ] {
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = build(&vs.root(), &cfg, false).unwrap();
            let n = crate::nn::parameter_count(&vs);
            assert!((lo..=hi).contains(&n), "{}: {n} parameters", cfg.name());
            let want_field = match &cfg {
                ModelConfig::Mlp(c) => c.flank,
                ModelConfig::Cnn(_) => 100,
                ModelConfig::Lstm(c) => c.flank,
                ModelConfig::Transformer(c) => c.flank,
            };
            assert_eq!(net.min_field(), want_field, "{}", cfg.name());
            assert!(net.field() <= 2 * want_field);
        }
    }
}
