//! The architectures, one file each, every one a causal stream used twice in the
//! center-blind frame of [`super::layers`], and `build`, which makes the network a config
//! asks for.

mod cnn;
mod lstm;
mod mlp;
pub mod reference;
mod transformer;

use tch::Tensor;
use tch::nn;

use super::config::ModelConfig;
use super::layers::{CausalStream, Head, Join, PriorResidual, TwoStream, UNKNOWN_CODE};
use crate::target::Target;
use crate::{Error, Result};

/// The model contract: N x L base codes in, N x L x C logits out (C = 4 for the bases, 2 for
/// a two-class target); output i depends only on bases within `field()` of i on either
/// side, never on base i itself.
pub trait ContextNet: std::fmt::Debug + Send {
    /// The declared receptive field on each side, in bases.
    fn field(&self) -> usize;
    /// Bases every position is guaranteed to see on each side (equal to `field` except for
    /// recurrent models).
    fn min_field(&self) -> usize {
        self.field()
    }
    /// `prior`: N x L x 4 k-mer log-probabilities, for a network built with a prior.
    fn forward(&self, codes: &Tensor, prior: Option<&Tensor>) -> Tensor {
        let len = codes.size()[1];
        self.forward_span(codes, prior, 0, len)
    }
    /// [`ContextNet::forward`]'s logits of positions `start .. start + len` only (N x len x
    /// C): what training and scoring keep, the chunk's central positions.
    fn forward_span(&self, codes: &Tensor, prior: Option<&Tensor>, start: i64, len: i64) -> Tensor;
    /// N x L codes -> N x L x C features: the head's input without the prior (the left
    /// and right streams joined), a representation of each position's two flanks.
    fn features(&self, codes: &Tensor) -> Tensor;
    /// Whether the features are the left stream's then the right stream's (each half
    /// describing one flank), rather than their sum.
    fn features_concat(&self) -> bool;
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
    /// With the span at least a field from the end, unknown bases are appended up to a
    /// multiple of the streams' [`CausalStream::length_multiple`]: no position of the span
    /// sees them, and no convolution then crops its output.
    fn forward_span(&self, codes: &Tensor, prior: Option<&Tensor>, start: i64, len: i64) -> Tensor {
        let (n, w) = (codes.size()[0], codes.size()[1]);
        let m = self.net.left.length_multiple();
        let wide = (w + m - 1) / m * m;
        if wide != w && start + len + self.field as i64 <= w {
            let tail = Tensor::full([n, wide - w], UNKNOWN_CODE, (codes.kind(), codes.device()));
            let codes = Tensor::cat(&[codes, &tail], 1);
            return self.net.forward_span(&codes, prior, start, len);
        }
        self.net.forward_span(codes, prior, start, len)
    }
    fn features(&self, codes: &Tensor) -> Tensor {
        self.net.joined(codes)
    }
    fn features_concat(&self) -> bool {
        matches!(self.net.join, Join::Concat)
    }
}

/// What the head reads beside the streams and what it outputs.
#[derive(Debug, Clone, Copy)]
pub(super) struct HeadSpec {
    /// The prior's channels (4 log-probabilities, then any depth channels) that join the
    /// head's input; 0 without a prior.
    prior: usize,
    /// What the network predicts: its classes are the head's outputs.
    target: Target,
    /// How the network lays its activations out.
    layout: Layout,
}

/// How a network lays out its activations. Both layouts have the same variables, so the same
/// weights load into either, and compute the same function (the tests hold the channels-last
/// network to the channels-first one within 1e-4 in float32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// N x L x C throughout: layer norms over contiguous channels, channels-last convolutions
    /// with the dilation taken out of the kernel, the right stream anti-causal, the head on
    /// the chunk's central positions. CUDA's.
    ChannelsLast,
    /// N x C x L, as dnactx computed every network before 2026-12 ([`reference`]): the CPU's,
    /// as oneDNN runs the CPU presets' small convolutions and 1x1 heads faster so (bench/nn.sh,
    /// 2026-12-04: the channels-last head cost the MLP presets a fifth of their scoring
    /// speed), and the reference of the tests and the "before" of `examples/step_bench.rs`.
    ChannelsFirst,
}

impl Layout {
    /// The layout for a network on `device`.
    pub fn for_device(device: tch::Device) -> Layout {
        if device.is_cuda() {
            Layout::ChannelsLast
        } else {
            Layout::ChannelsFirst
        }
    }
}

/// Builds the network under `vs` as `cfg` describes it, predicting `target`; `prior` is the
/// number of prior channels added to the head's input (0: none, 4: the log-probabilities);
/// laid out for the device of `vs` ([`Layout::for_device`]).
pub fn build(
    vs: &nn::Path,
    cfg: &ModelConfig,
    prior: usize,
    target: Target,
) -> Result<Box<dyn ContextNet>> {
    build_layout(vs, cfg, prior, target, Layout::for_device(vs.device()))
}

/// [`build`] channels-first ([`Layout::ChannelsFirst`], whatever the device): the reference
/// the tests and `examples/step_bench.rs` compare the channels-last network against.
pub fn build_reference(
    vs: &nn::Path,
    cfg: &ModelConfig,
    prior: usize,
    target: Target,
) -> Result<Box<dyn ContextNet>> {
    build_layout(vs, cfg, prior, target, Layout::ChannelsFirst)
}

/// [`build`] in the given layout.
pub fn build_layout(
    vs: &nn::Path,
    cfg: &ModelConfig,
    prior: usize,
    target: Target,
    layout: Layout,
) -> Result<Box<dyn ContextNet>> {
    build_spec(
        vs,
        cfg,
        HeadSpec {
            prior,
            target,
            layout,
        },
    )
}

fn build_spec(vs: &nn::Path, cfg: &ModelConfig, head: HeadSpec) -> Result<Box<dyn ContextNet>> {
    Ok(match cfg {
        ModelConfig::Mlp(c) => mlp::build(vs, c, head)?,
        ModelConfig::Cnn(c) => cnn::build(vs, c, head)?,
        ModelConfig::Lstm(c) => lstm::build(vs, c, head)?,
        ModelConfig::Transformer(c) => transformer::build(vs, c, head)?,
    })
}

fn bad(msg: String) -> Error {
    Error::config("model", msg)
}

/// How an architecture's stream sits in the two-stream frame.
struct Frame<'a> {
    /// Channels a stream gives at each position.
    width: usize,
    /// How the left and right streams are joined before the head.
    join: Join,
    /// Hidden sizes of the dense head.
    dense: &'a [usize],
    /// The receptive field on each side, and the part of it every position sees.
    field: usize,
    min_field: usize,
}

impl Frame<'_> {
    /// The width of the two streams joined: both side by side, or their sum.
    fn joined_width(&self) -> usize {
        match self.join {
            Join::Concat => 2 * self.width,
            Join::Sum => self.width,
        }
    }

    /// Two streams made by `make` under `vs` (`left`, `right`) and the head `spec` asks
    /// for: with the prior, its channels join the head's input, and its log-probabilities
    /// are added to the logits (summed into classes for a two-class target; a repeat
    /// classifier only reads them).
    fn build<S: CausalStream + 'static>(
        self,
        vs: &nn::Path,
        spec: HeadSpec,
        make: impl Fn(nn::Path) -> S,
    ) -> Box<dyn ContextNet> {
        let head_in = spec.prior + self.joined_width();
        let classes = spec.target.classes();
        let residual = PriorResidual::for_target(spec.target, vs.device());
        let net = TwoStream {
            left: make(vs / "left"),
            right: make(vs / "right"),
            join: self.join,
            head: Head::new(vs / "head", head_in, self.dense, classes),
            residual,
        };
        if spec.layout == Layout::ChannelsFirst {
            return Box::new(reference::Reference {
                net,
                field: self.field,
                min_field: self.min_field,
            });
        }
        Box::new(Built {
            net,
            field: self.field,
            min_field: self.min_field,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::config::*;
    use crate::rng::SplitMix64;

    /// Every variable of `vs` set from a generator of its own, in the order of their names:
    /// libtorch's generator is shared with the tests running beside, so weights it draws after
    /// `manual_seed` change from run to run. Kernels and matrices uniform within
    /// 1/sqrt(fan-in), as libtorch initialises them; vectors uniform within 0.1 of 1 (a norm's
    /// scale, initialised to ones) or of 0 (biases), so that a wrong affine shows.
    pub(super) fn seeded_weights(vs: &nn::VarStore, seed: u64) {
        let mut rng = SplitMix64(seed);
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        tch::no_grad(|| {
            for (_, mut v) in vars {
                let size = v.size();
                let u = uniform(&mut rng, &size) * 2.0 - 1.0;
                let value = match size.len() {
                    0 | 1 => {
                        let centre = if v.equal(&v.ones_like()) { 1.0 } else { 0.0 };
                        u * 0.1 + centre
                    }
                    _ => u / ((v.numel() as i64 / size[0]) as f64).sqrt(),
                };
                v.copy_(&value);
            }
        });
    }

    /// A float32 tensor of `size`, uniform in [0, 1) from `rng` (not libtorch's generator,
    /// which the tests beside share).
    pub(super) fn uniform(rng: &mut SplitMix64, size: &[i64]) -> Tensor {
        let n = size.iter().product::<i64>();
        let v: Vec<f32> = (0..n)
            .map(|_| rng.below(1 << 20) as f32 / (1 << 20) as f32)
            .collect();
        Tensor::from_slice(&v).view(size)
    }

    /// Small networks of every architecture (the reference tests use them too).
    pub(super) fn small_configs() -> Vec<ModelConfig> {
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
                norm: false,
                dense: vec![8],
            }),
            ModelConfig::Cnn(CnnConfig {
                channels: 8,
                kernel_sizes: vec![3, 3, 2],
                dilations: vec![1, 3, 2],
                residual: true,
                norm: true,
                dense: vec![8],
            }),
            // layers of one dilation in a row: the channels-last network chains them in rows
            ModelConfig::Cnn(CnnConfig {
                channels: 8,
                kernel_sizes: vec![2, 3, 3, 2],
                dilations: vec![2, 2, 3, 3],
                residual: true,
                norm: true,
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
        let layouts = [Layout::ChannelsLast, Layout::ChannelsFirst];
        for (cfg, layout) in small_configs()
            .into_iter()
            .flat_map(|c| layouts.map(|l| (c.clone(), l)))
        {
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = build_layout(&vs.root(), &cfg, 0, Target::Base, layout).unwrap();
            seeded_weights(&vs, 3);
            let name = format!("{} ({layout:?})", cfg.name());
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
                    name
                );
                for p in (0..i.saturating_sub(field)).chain(i + field + 1..len) {
                    assert!(
                        same(&base, &mutate(p, &codes), i),
                        "{}: output {i} depends on base {p}, beyond field {field}",
                        name
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
                name
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
            let net = build(&vs.root(), &cfg, 0, Target::Base).unwrap();
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

    /// The presets are the sizes they claim: the seed's networks about 2.5 M parameters (the
    /// LSTM's flank 200), gpu-large tens of millions with a field of several hundred bases.
    #[test]
    fn presets_have_their_sizes() {
        use crate::nn::presets::find;
        for (name, lo, hi, min_field) in [
            ("seed-mlp", 250_000, 350_000, 50),
            ("seed-cnn", 2_300_000, 2_700_000, 100),
            ("seed-lstm", 2_300_000, 2_700_000, 200),
            ("cpu-small", 400_000, 600_000, 125),
            ("gpu-large", 20_000_000, 60_000_000, 300),
        ] {
            let cfg = find(name, None).unwrap().run_config();
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = build(&vs.root(), &cfg.model, 4, Target::Base).unwrap();
            let n = crate::nn::parameter_count(&vs);
            assert!((lo..=hi).contains(&n), "{name}: {n} parameters");
            assert!(
                net.min_field() >= min_field,
                "{name}: field {}",
                net.min_field()
            );
            assert!(
                net.field() <= cfg.train.chunk,
                "{name}: field beyond the chunk"
            );
        }
    }

    /// bfloat16 autocast on the CPU (the path CUDA takes by default): the probabilities of
    /// the same weights agree with float32 within 0.03 at every position and 0.003 on
    /// average (bf16 keeps 8 bits of mantissa), and do differ, so the bf16 path really ran.
    #[test]
    fn bf16_autocast_agrees_with_f32() {
        use crate::nn::precision::autocast;
        let mut configs = small_configs();
        configs.push(
            crate::nn::presets::find("seed-lstm", None)
                .unwrap()
                .run_config()
                .model,
        );
        configs.push(
            crate::nn::presets::find("cpu-small", None)
                .unwrap()
                .run_config()
                .model,
        );
        let layouts = [Layout::ChannelsLast, Layout::ChannelsFirst];
        for (cfg, layout) in configs
            .into_iter()
            .flat_map(|c| layouts.map(|l| (c.clone(), l)))
        {
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = build_layout(&vs.root(), &cfg, 4, Target::Base, layout).unwrap();
            seeded_weights(&vs, 5);
            let name = format!("{} ({layout:?})", cfg.name());
            let mut rng = SplitMix64(3);
            let len = 2 * net.field() + 200;
            let codes: Vec<i64> = (0..2 * len).map(|_| rng.below(5) as i64).collect();
            let x = Tensor::from_slice(&codes).view([2, len as i64]);
            let prior = (uniform(&mut rng, &[2, len as i64, 4]) + 0.1).log();
            let probs = |bf16: bool| {
                tch::no_grad(|| {
                    autocast(tch::Device::Cpu, bf16, || net.forward(&x, Some(&prior)))
                        .softmax(-1, tch::Kind::Float)
                })
            };
            let (a, b) = (probs(false), probs(true));
            assert_eq!(b.kind(), tch::Kind::Float);
            let d = (&a - &b).abs();
            let (max, mean) = (d.max().double_value(&[]), d.mean(None).double_value(&[]));
            let nan = |t: &Tensor| t.isnan().any().int64_value(&[]) == 1;
            assert!(
                max > 0.0,
                "{name}: bf16 changed nothing (largest difference {max}; a NaN in f32 {}, in \
                 bf16 {})",
                nan(&a),
                nan(&b)
            );
            assert!(max < 0.03, "{}: bf16 differs by up to {max}", name);
            assert!(mean < 0.003, "{}: bf16 differs by {mean} on average", name);
        }
    }
}
