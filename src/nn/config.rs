//! Model and training settings, read from YAML with serde: every field has a default, and an
//! unknown field or architecture is an error that names it.
//!
//! ```yaml
//! model:
//!   architecture: cnn        # mlp | cnn | lstm | transformer
//!   channels: 200            # settings of that architecture (defaults: the seed's sizes)
//! train:
//!   steps: 20000
//!   batch: 16
//! ```

use serde::{Deserialize, Serialize};

/// The network, by architecture. Defaults reproduce the seed talk's models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "architecture", rename_all = "lowercase")]
pub enum ModelConfig {
    Mlp(MlpConfig),
    Cnn(CnnConfig),
    Lstm(LstmConfig),
    Transformer(TransformerConfig),
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig::Cnn(CnnConfig::default())
    }
}

impl ModelConfig {
    pub fn name(&self) -> &'static str {
        match self {
            ModelConfig::Mlp(_) => "mlp",
            ModelConfig::Cnn(_) => "cnn",
            ModelConfig::Lstm(_) => "lstm",
            ModelConfig::Transformer(_) => "transformer",
        }
    }
}

/// The seed's MLP: both flanks (center left out) into 3 hidden layers of 300.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpConfig {
    pub flank: usize,
    pub hidden: Vec<usize>,
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            flank: 50,
            hidden: vec![300, 300, 300],
        }
    }
}

/// The seed's CNN, center-blind: a left-causal and a right-anticausal stack of convolutions,
/// joined at each position by dense (1x1) layers. The flank is
/// `1 + sum((kernel - 1) * dilation)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CnnConfig {
    pub channels: usize,
    pub kernel_sizes: Vec<usize>,
    pub dilations: Vec<usize>,
    /// Add each layer's input to its output (where the widths match).
    pub residual: bool,
    /// Normalize each residual layer's input over its channels (pre-norm, per position):
    /// keeps deep stacks stable (the gpu-large preset).
    pub norm: bool,
    pub dense: Vec<usize>,
}

impl Default for CnnConfig {
    fn default() -> Self {
        CnnConfig {
            channels: 200,
            kernel_sizes: vec![2, 3, 4, 6, 8, 10],
            dilations: vec![2, 2, 3, 4, 4, 4],
            residual: false,
            norm: false,
            dense: vec![256],
        }
    }
}

/// The seed's best: per direction a convolution stack then an LSTM, joined by a dense head.
/// The LSTM runs over blocks so its field is bounded: every position sees at least `flank`
/// bases each side, at most `2 * flank`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LstmConfig {
    pub flank: usize,
    pub conv_channels: usize,
    pub kernel_sizes: Vec<usize>,
    pub hidden: usize,
    pub dense: Vec<usize>,
}

impl Default for LstmConfig {
    fn default() -> Self {
        LstmConfig {
            flank: 200,
            conv_channels: 128,
            kernel_sizes: vec![5, 5],
            hidden: 400,
            dense: vec![560],
        }
    }
}

/// Banded causal self-attention over each flank, with learned relative-position biases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransformerConfig {
    pub flank: usize,
    pub dim: usize,
    pub heads: usize,
    pub layers: usize,
    pub ffn: usize,
    pub dense: Vec<usize>,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        TransformerConfig {
            flank: 100,
            dim: 192,
            heads: 6,
            layers: 3,
            ffn: 640,
            dense: vec![256],
        }
    }
}

/// The class of positions a network trains on (`train.only`), by the repeat mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Only {
    Repeat,
    NonRepeat,
}

/// How train-model trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Output positions (targets) per chunk; each chunk also carries `field` bases each side.
    pub chunk: usize,
    pub batch: usize,
    /// Budget in optimizer steps (0: none).
    pub steps: usize,
    /// Budget in minutes of training (0: none); resumed runs count the minutes before.
    pub max_minutes: f64,
    /// Budget in targets seen (0: none).
    pub max_targets: u64,
    pub lr: f64,
    pub weight_decay: f64,
    /// Linear warm-up steps, then cosine decay to `min_lr_ratio * lr`, laid over the budgets:
    /// the rate reaches its minimum exactly when the first budget to run out does.
    pub warmup: usize,
    pub min_lr_ratio: f64,
    /// Keep an exponential moving average of the weights with this decay per step (e.g.
    /// 0.999); validation and the final weights use the average (0: off).
    #[serde(skip_serializing_if = "is_zero")]
    pub ema: f64,
    /// Clip the gradient norm (0: off).
    pub grad_clip: f64,
    /// Train on the reverse complement of a chunk with probability 1/2.
    pub rc_augment: bool,
    /// Loss weight of repeat positions (1: as any other; GPN down-weights repeats).
    pub repeat_weight: f64,
    /// Train on one class of positions only: `repeat` or `non_repeat` (the other class's
    /// loss weight is 0, and validation scores this class); unset: every position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only: Option<Only>,
    /// What the network predicts: `base` (A, C, G, T), `pair` (A:T against C:G), `type`
    /// (purine against pyrimidine), or `repeat` (repeat against not, by the repeat mask: a
    /// classifier for fusion models).
    #[serde(skip_serializing_if = "crate::target::Target::is_base")]
    pub target: crate::target::Target,
    /// Score the valid split every this many steps (and write a checkpoint).
    pub valid_every: usize,
    /// Valid chunks scored each time (fixed, spread over the valid windows).
    pub valid_chunks: usize,
    pub seed: u64,
    /// Forward passes in `f32` or under `bf16` autocast; `auto`: bf16 on CUDA, f32 on CPU.
    pub precision: crate::compute::Dtype,
    /// Batches prepared ahead by loader threads while the device computes (a bounded queue);
    /// 0 prepares each on the training thread. Unset (auto): 4 on CUDA, and on the CPU 4
    /// when libtorch's threads leave a core free, else 0 (a loader thread then only takes
    /// cores from libtorch: 8% slower on 2 cores, docs/benchmarks.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefetch: Option<usize>,
    /// Loader threads preparing batches (sampling, encoding, prior lookup) when prefetching.
    pub loaders: usize,
    /// Memory (MiB) for keeping the prior's inputs of train positions across epochs, so each
    /// is looked up once: 32 bytes per base of a train contig with 4 channels (both strands,
    /// f32, the same values as a lookup), contigs taken in order while it lasts; 0: off.
    pub prior_cache_mb: u64,
}

impl TrainConfig {
    /// Loss weights of (repeat, non-repeat) positions: `repeat_weight` and 1, or one class's
    /// 1 and 0 with `only`.
    pub fn class_weights(&self) -> (f32, f32) {
        match self.only {
            None => (self.repeat_weight as f32, 1.0),
            Some(Only::Repeat) => (1.0, 0.0),
            Some(Only::NonRepeat) => (0.0, 1.0),
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            chunk: 1024,
            batch: 16,
            steps: 20_000,
            max_minutes: 0.0,
            max_targets: 0,
            lr: 2e-3,
            weight_decay: 0.01,
            warmup: 500,
            min_lr_ratio: 0.05,
            ema: 0.0,
            grad_clip: 1.0,
            rc_augment: true,
            repeat_weight: 1.0,
            only: None,
            target: crate::target::Target::Base,
            valid_every: 500,
            valid_chunks: 64,
            seed: 1,
            precision: crate::compute::Dtype::Auto,
            prefetch: None,
            loaders: 1,
            prior_cache_mb: 4096,
        }
    }
}

impl TrainConfig {
    /// The same training, whatever runs it: precision, prefetch, loaders and the prior cache
    /// may change on resuming (another machine, another device).
    pub fn same_run(&self, other: &TrainConfig) -> bool {
        let how = |c: &TrainConfig| TrainConfig {
            precision: crate::compute::Dtype::Auto,
            prefetch: None,
            loaders: 1,
            prior_cache_mb: 0,
            ..c.clone()
        };
        how(self) == how(other)
    }
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// The YAML given to train-model: a model and its training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    pub model: ModelConfig,
    pub train: TrainConfig,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_defaults_and_errors() {
        let c: RunConfig =
            serde_yaml::from_str("model:\n  architecture: lstm\n  hidden: 64\n").unwrap();
        let ModelConfig::Lstm(l) = &c.model else {
            panic!()
        };
        assert_eq!((l.hidden, l.flank), (64, 200));
        assert_eq!(c.train, TrainConfig::default());
        let e = serde_yaml::from_str::<RunConfig>("model:\n  architecture: rnn\n").unwrap_err();
        assert!(e.to_string().contains("rnn"), "{e}");
        let e = serde_yaml::from_str::<RunConfig>("model:\n  architecture: cnn\n  chanels: 3\n")
            .unwrap_err();
        assert!(e.to_string().contains("chanels"), "{e}");
        let e = serde_yaml::from_str::<RunConfig>("train:\n  stpes: 3\n").unwrap_err();
        assert!(e.to_string().contains("stpes"), "{e}");
        let round: RunConfig = serde_yaml::from_str(&serde_yaml::to_string(&c).unwrap()).unwrap();
        assert_eq!(round, c);
    }
}
