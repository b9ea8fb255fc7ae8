//! `train-model`: train a neural context model on the train windows (feature `torch`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::genome::Genome;
use crate::markov::MarkovSettings;
use crate::nn::config::RunConfig;
use crate::nn::data::Repeats;
use crate::nn::device::parse_device;
use crate::nn::prior::PriorSettings;
use crate::nn::train::{TrainRequest, train};
use crate::regions::bed;

/// Train a neural model (mlp, cnn, lstm or transformer) that predicts every base of a chunk
/// from its flanks in one pass; writes a self-describing model folder.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  train-model -g genome.fa.gz --windows windows.parquet --config cnn.yaml -o models/cnn\n  train-model -g genome.fa.gz --windows windows.parquet --config cnn.yaml -o models/cnn --resume\n\nThe folder gets config.yaml, weights.safetensors and metrics.parquet (and a checkpoint while training)."
)]
pub struct Args {
    /// Genome FASTA (plain, gzip or bgzip).
    #[arg(short, long)]
    pub genome: PathBuf,
    /// Windows table from make-windows: trains on `train`, scores `valid` as it goes.
    #[arg(long)]
    pub windows: PathBuf,
    /// YAML with `model:` (architecture and its settings) and `train:`; defaults otherwise.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Architecture when no config names one: mlp, cnn, lstm or transformer.
    #[arg(long)]
    pub architecture: Option<String>,
    /// Repeat BED (from mask-repeats) for the repeat loss weight; soft-masked bases otherwise.
    #[arg(long)]
    pub repeats: Option<PathBuf>,
    /// A k-mer count table (count-kmers) or an FM-index (index-genome) of the train split fed
    /// to the network's head as a prior; its k must not exceed the model's field.
    #[arg(long)]
    pub prior: Option<PathBuf>,
    /// Pseudocount of a k-mer prior's backoff model.
    #[arg(long, default_value_t = 4.0)]
    pub prior_pseudocount: f64,
    /// Order k of an FM-index prior (bases each side, 1..=16).
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_K)]
    pub prior_order: usize,
    /// Alpha of an FM-index prior.
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_ALPHA)]
    pub prior_alpha: f64,
    /// Lowest order of an FM-index prior.
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_MIN_ORDER)]
    pub prior_min_order: usize,
    /// Output model folder (must be new or empty unless --resume).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Continue a stopped run from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Override train.steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Override train.max_minutes (a time budget: the learning rate decays to its minimum
    /// exactly when it runs out).
    #[arg(long)]
    pub max_minutes: Option<f64>,
    /// Override train.max_targets (a budget in targets seen).
    #[arg(long)]
    pub max_targets: Option<u64>,
    /// Device: auto (CUDA when available), cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: String,
    #[command(flatten)]
    pub common: super::Common,
}

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let inputs = [&args.genome, &args.windows]
        .into_iter()
        .chain(&args.config)
        .chain(&args.repeats)
        .chain(&args.prior);
    crate::io::refuse_overwrite(inputs, [&args.output])?;
    if args.common.threads > 0 {
        tch::set_num_threads(args.common.threads as i32);
    }
    let device = parse_device(&args.device)?;
    let mut run = match &args.config {
        Some(p) => load_config(p)?,
        None => RunConfig::default(),
    };
    if let Some(arch) = &args.architecture {
        if args.config.is_some() {
            anyhow::bail!("give the architecture in --config or with --architecture, not both");
        }
        run.model = serde_yaml::from_str(&format!("architecture: {arch}"))
            .with_context(|| format!("--architecture {arch}: use mlp, cnn, lstm or transformer"))?;
    }
    if let Some(s) = args.steps {
        run.train.steps = s;
    }
    if let Some(m) = args.max_minutes {
        run.train.max_minutes = m;
    }
    if let Some(t) = args.max_targets {
        run.train.max_targets = t;
    }
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let repeats = match &args.repeats {
        Some(p) => Some(Repeats {
            path: p,
            by_contig: bed::read_sets(p, &genome)?,
        }),
        None => None,
    };
    train(TrainRequest {
        genome: &genome,
        windows: &args.windows,
        repeats,
        out: &args.output,
        run,
        prior: args.prior.clone().map(|p| {
            let settings = PriorSettings {
                pseudocount: args.prior_pseudocount,
                markov: MarkovSettings {
                    k: args.prior_order,
                    alpha: args.prior_alpha,
                    min_order: args.prior_min_order,
                    leave_one_out: true,
                },
            };
            (p, settings)
        }),
        device,
        resume: args.resume,
        quiet: args.common.quiet,
    })?;
    Ok(())
}

/// Reads the run config, naming the file and line of any error.
pub fn load_config(path: &std::path::Path) -> Result<RunConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| {
        let line = e
            .location()
            .map(|l| format!(":{}", l.line()))
            .unwrap_or_default();
        anyhow::anyhow!("{}{line}: {e}", path.display())
    })
}
