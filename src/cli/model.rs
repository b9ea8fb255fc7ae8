//! The model flags shared by every tool that predicts (score-genome, score-variants,
//! explain-flanks), turned into [`ModelOptions`] for the library's [`crate::models::load`].

use std::path::PathBuf;

use crate::markov::MarkovSettings;
use crate::models::{KmerOptions, MarkovOptions, ModelOptions, ModelSpec};

/// Which model and how to run it.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// The model: a k-mer count table (.parquet) from count-kmers, an FM-index (.fmd) from
    /// index-genome, a model folder from train-model, or a fusion model (.yaml naming a
    /// repeat classifier and two model folders) (told apart by what the path is).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub path: PathBuf,
    #[command(flatten)]
    pub compute: crate::compute::ComputeArgs,
    /// Pseudocount per base for the k-mer model [default: 4 with backoff (the best bits and
    /// accuracy on the demo genome for k = 5), 1 without].
    #[arg(long)]
    pub pseudocount: Option<f64>,
    /// No backoff: score only positions whose whole (2k+1)-window is A/C/G/T, unseen
    /// contexts uniform.
    #[arg(long)]
    pub no_backoff: bool,
    /// Memory budget for dense model tables, GiB.
    #[arg(long, default_value_t = 4.0)]
    pub memory_gb: f64,
    #[command(flatten)]
    pub markov: MarkovArgs,
}

/// The settings of an FM-index (bidirectional Markov) model.
#[derive(clap::Args, Debug, Clone)]
pub struct MarkovArgs {
    /// FM-index models: the largest order k, bases each side (1..=16).
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_K)]
    pub max_order: usize,
    /// FM-index models: the weight of the lower order's prediction in each order's.
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_ALPHA)]
    pub alpha: f64,
    /// FM-index models: the lowest order of the interpolation chain.
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_MIN_ORDER)]
    pub min_order: usize,
    /// FM-index models: do not leave an indexed position's own occurrence out when scoring
    /// it (in-sample scores are then optimistic).
    #[arg(long)]
    pub no_leave_one_out: bool,
    /// FM-index models: score a genome other than the one indexed (contig names or lengths
    /// differ; no leave-one-out).
    #[arg(long)]
    pub other_genome: bool,
}

impl MarkovArgs {
    pub fn settings(&self) -> MarkovSettings {
        MarkovSettings {
            k: self.max_order,
            alpha: self.alpha,
            min_order: self.min_order,
            leave_one_out: !self.no_leave_one_out,
        }
    }

    pub fn options(&self) -> MarkovOptions {
        MarkovOptions {
            settings: self.settings(),
            other_genome: self.other_genome,
        }
    }
}

impl ModelArgs {
    /// What the flags say about each kind of model.
    pub fn options(&self, common: &super::Common) -> ModelOptions {
        ModelOptions {
            kmer: KmerOptions {
                pseudocount: self.pseudocount,
                backoff: !self.no_backoff,
                memory_bytes: (self.memory_gb * (1u64 << 30) as f64) as u64,
            },
            markov: self.markov.options(),
            compute: self.compute.clone(),
            threads: common.threads,
        }
    }

    /// The model and how to run it, for the library's job.
    pub fn spec(&self, common: &super::Common) -> ModelSpec {
        ModelSpec {
            path: self.path.clone(),
            options: self.options(common),
        }
    }
}
