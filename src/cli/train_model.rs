//! `train-model`: train a neural context model on the train windows (feature `torch`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::markov::MarkovSettings;
use crate::nn::presets;
use crate::nn::prior::PriorSettings;
use crate::tools::train_model::{self, TrainModel, TrainOverrides};

/// Train a neural model (mlp, cnn, lstm or transformer) that predicts every base of a chunk
/// from its flanks in one pass; writes a self-describing model folder.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  train-model -g genome.fa.gz --windows windows.parquet --config cnn.yaml -o models/cnn\n  train-model -g genome.fa.gz --windows windows.parquet --config cnn.yaml -o models/cnn --resume\n\nThe folder gets config.yaml, weights.safetensors and metrics.parquet (and a checkpoint while training)."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long, required_unless_present = "list_presets")]
    pub genome: Option<PathBuf>,
    /// Windows table from make-windows: trains on `train`, scores `valid` as it goes.
    #[arg(long, required_unless_present = "list_presets")]
    pub windows: Option<PathBuf>,
    /// YAML with `model:` (architecture and its settings) and `train:` (and optionally
    /// `preset:`, whose settings it then overrides one by one); defaults otherwise.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Start from a named model size (cpu-small: any architecture, the CNN by default; see
    /// --list-presets).
    #[arg(long, value_parser = preset_names())]
    pub preset: Option<String>,
    /// Print every preset with its parameters, field and FLOPs per base, and exit.
    #[arg(long)]
    pub list_presets: bool,
    /// Architecture when no config names one.
    #[arg(long, value_parser = ["mlp", "cnn", "lstm", "transformer"])]
    pub architecture: Option<String>,
    /// Repeat BED (from mask-repeats) for the repeat loss weight; soft-masked bases otherwise.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
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
    /// Also give the head how deep each position's context was found in the FM-index prior
    /// (the highest order counted and its count): two more input channels.
    #[arg(long, requires = "prior")]
    pub prior_depth: bool,
    /// Output model folder (must be new or empty unless --resume).
    #[arg(short, long, required_unless_present = "list_presets")]
    pub output: Option<PathBuf>,
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
    /// Override train.target: what the network predicts, base (A/C/G/T), pair (A:T against
    /// C:G), type (purine against pyrimidine) or repeat (a repeat classifier, for fusion
    /// models).
    #[arg(long, value_enum)]
    pub target: Option<crate::target::Target>,
    /// Override train.prefetch: batches prepared ahead by loader threads (0: none; default:
    /// 4 on CUDA, and on the CPU where libtorch's threads leave a core free).
    #[arg(long)]
    pub prefetch: Option<usize>,
    /// Override train.loaders: threads preparing batches (sampling, encoding, prior lookup).
    #[arg(long)]
    pub loaders: Option<usize>,
    /// Print at each validation the targets per second and the share of the time spent
    /// waiting for data (also in metrics.parquet's data_wait column).
    #[arg(long)]
    pub profile: bool,
    #[command(flatten)]
    pub compute: crate::compute::ComputeArgs,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--precision", "--dtype")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    if args.list_presets {
        print!("{}", train_model::preset_table()?);
        return Ok(());
    }
    Ok(job(args)?.run()?)
}

/// The library's job from the options.
fn job(args: Args) -> Result<TrainModel> {
    let (Some(genome), Some(windows), Some(output)) = (
        args.genome.clone(),
        args.windows.clone(),
        args.output.clone(),
    ) else {
        anyhow::bail!("--genome, --windows and --output are required");
    };
    let overrides = TrainOverrides {
        steps: args.steps,
        max_minutes: args.max_minutes,
        max_targets: args.max_targets,
        target: args.target,
        precision: args.compute.dtype,
        prefetch: args.prefetch,
        loaders: args.loaders,
    };
    Ok(TrainModel {
        genome,
        windows,
        output,
        prior: prior_request(&args),
        config: args.config,
        preset: args.preset,
        architecture: args.architecture,
        overrides,
        repeats: args.repeats,
        device: args.compute.device,
        threads: args.common.threads,
        resume: args.resume,
        quiet: args.common.quiet,
        profile: args.profile,
    })
}

/// `--prior` and its settings (a Markov prior always leaves each position's own count out).
fn prior_request(args: &Args) -> Option<(PathBuf, PriorSettings)> {
    let settings = PriorSettings {
        pseudocount: args.prior_pseudocount,
        markov: MarkovSettings {
            k: args.prior_order,
            alpha: args.prior_alpha,
            min_order: args.prior_min_order,
            leave_one_out: true,
        },
        depth: args.prior_depth,
    };
    args.prior.clone().map(|p| (p, settings))
}

/// `--preset`'s values: every preset's name, and `cpu-small` (with any architecture).
fn preset_names() -> clap::builder::PossibleValuesParser {
    let names = presets::PRESETS.iter().map(|p| p.name);
    clap::builder::PossibleValuesParser::new(std::iter::once("cpu-small").chain(names))
}
