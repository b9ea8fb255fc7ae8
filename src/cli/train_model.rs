//! `train-model`: train a neural context model on the train windows (feature `torch`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::genome::Genome;
use crate::markov::MarkovSettings;
use crate::nn::config::TrainConfig;
use crate::nn::data::Repeats;
use crate::nn::presets;
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
        print!("{}", presets::table(preset_size)?);
        return Ok(());
    }
    let (Some(genome_path), Some(windows), Some(output)) =
        (&args.genome, &args.windows, &args.output)
    else {
        anyhow::bail!("--genome, --windows and --output are required");
    };
    check_outputs(&args, [genome_path, windows], output)?;
    if args.common.threads > 0 {
        tch::set_num_threads(args.common.threads as i32);
    }
    let device = crate::nn::device::resolve(args.compute.device)?;
    let (run, preset) = run_config(&args)?;
    let genome = Genome::open(genome_path)
        .with_context(|| format!("opening genome {}", genome_path.display()))?;
    train(TrainRequest {
        genome: &genome,
        windows,
        repeats: repeats(&args, &genome)?,
        out: output,
        run,
        preset: preset.map(str::to_string),
        prior: prior_request(&args),
        device,
        resume: args.resume,
        quiet: args.common.quiet,
        profile: args.profile,
    })?;
    Ok(())
}

/// Refuses an output folder that is an input (`given`, the config, repeats or prior) or
/// standard output.
fn check_outputs(args: &Args, given: [&PathBuf; 2], output: &PathBuf) -> Result<()> {
    let inputs = given
        .into_iter()
        .chain(&args.config)
        .chain(&args.repeats)
        .chain(&args.prior);
    crate::io::refuse_overwrite(inputs, [output])?;
    crate::io::refuse_stdout(output, "train-model writes a model folder")?;
    Ok(())
}

/// The repeat annotation given with --repeats, per contig.
fn repeats<'a>(args: &'a Args, genome: &Genome) -> Result<Option<Repeats<'a>>> {
    let Some(path) = &args.repeats else {
        return Ok(None);
    };
    let by_contig = bed::read_sets(path, genome)?;
    Ok(Some(Repeats { path, by_contig }))
}

/// The flags that override the config's `train:` section.
fn apply_overrides(args: &Args, train: &mut TrainConfig) {
    if let Some(s) = args.steps {
        train.steps = s;
    }
    if let Some(m) = args.max_minutes {
        train.max_minutes = m;
    }
    if let Some(t) = args.max_targets {
        train.max_targets = t;
    }
    if let Some(t) = args.target {
        train.target = t;
    }
    if let Some(d) = args.compute.dtype {
        train.precision = d;
    }
    if let Some(n) = args.prefetch {
        train.prefetch = Some(n);
    }
    if let Some(n) = args.loaders {
        train.loaders = n;
    }
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

/// The run's config: the config file or preset, the prior a preset needs, the flags over
/// its train section; and the preset's name.
fn run_config(args: &Args) -> Result<(crate::nn::RunConfig, Option<&'static str>)> {
    let (mut run, preset) = presets::load_run_config(
        args.config.as_deref(),
        args.preset.as_deref(),
        args.architecture.as_deref(),
    )?;
    if let Some(p) = preset.and_then(|p| presets::find(p, None).ok())
        && p.needs_prior
        && args.prior.is_none()
    {
        anyhow::bail!(
            "preset {} is meant to learn a correction to a prior: give --prior (an FM-index from index-genome, or a count table from count-kmers)",
            p.name
        );
    }
    apply_overrides(args, &mut run.train);
    Ok((run, preset))
}

/// Parameters and field of a model config, built on the CPU.
fn preset_size(model: &crate::nn::ModelConfig) -> crate::Result<(i64, usize)> {
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let net = crate::nn::arch::build(&vs.root(), model, 0, Default::default())?;
    Ok((crate::nn::parameter_count(&vs), net.field()))
}

/// `--preset`'s values: every preset's name, and `cpu-small` (with any architecture).
fn preset_names() -> clap::builder::PossibleValuesParser {
    let names = presets::PRESETS.iter().map(|p| p.name);
    clap::builder::PossibleValuesParser::new(std::iter::once("cpu-small").chain(names))
}
