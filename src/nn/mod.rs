//! Neural context models (feature `torch`): one model contract for every architecture
//! ([`arch::ContextNet`]: N x L codes in, N x L x 4 logits out, output i blind to base i and
//! to anything beyond its field), the training loop, and the model folder.

pub mod adamw;
pub mod arch;
mod batches;
pub mod checkpoint;
pub mod config;
mod contig;
pub mod data;
pub mod device;
mod ema;
pub mod embed;
pub mod flops;
pub mod folder;
pub mod fusion;
pub mod layers;
mod pace;
mod packing;
pub mod precision;
pub mod predictor;
pub mod presets;
pub mod prior;
mod prior_cache;
mod schedule;
pub mod shim;
pub mod train;

pub use config::{ModelConfig, RunConfig, TrainConfig};
pub use predictor::NeuralModel;

/// Number of trainable parameters.
pub fn parameter_count(vs: &tch::nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum()
}
