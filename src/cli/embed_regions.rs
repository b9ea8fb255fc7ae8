//! `embed-regions`: a trained network's per-position features (the head's input: its left
//! and right streams joined, before the prior) for the positions of a BED or a split, as a
//! Parquet table with coordinates, written in row groups so memory stays bounded.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::Genome;
use crate::nn::embed::{EmbedRequest, embed_regions};
use crate::nn::{NeuralModel, device};
use crate::regions::IntervalSet;
use crate::regions::splits::Split;

/// Write a network's per-position features (its representation of each position's two
/// flanks) for the positions of a BED or of a split.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  embed-regions -g genome.fa.gz -m results/models/cnn --regions sites.bed -o sites.features.parquet\n\nColumns: chrom, pos (0-based), ref (the base), soft (soft-masked), f0..f{D-1} (float32).\nOne row per A/C/G/T position of the regions, in genome order."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// A model folder from train-model.
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// BED of the positions to embed.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long, required_unless_present = "windows", conflicts_with = "windows")]
    pub regions: Option<PathBuf>,
    /// Windows table from make-windows: embed its --split windows instead.
    #[arg(long)]
    pub windows: Option<PathBuf>,
    /// Split of --windows to embed.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    /// Average each position's features with the reverse strand's at the same base (halves
    /// swapped for two-stream features, so that each half describes the same flank): for
    /// models trained with rc_augment, a strand-independent representation.
    #[arg(long)]
    pub rc_average: bool,
    /// Stop with an error rather than write more rows than this (each row is 4 x D bytes
    /// plus coordinates; a whole split of a large genome is big).
    #[arg(long, default_value_t = 10_000_000)]
    pub max_positions: u64,
    /// Output Parquet file.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub compute: crate::compute::ComputeArgs,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--out", "--output")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let inputs = [&args.genome, &args.model]
        .into_iter()
        .chain(&args.regions)
        .chain(&args.windows);
    crate::io::refuse_overwrite(inputs, std::slice::from_ref(&args.output))?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let regions = chosen_regions(&args, &genome)?;
    let model = load_model(&args)?;
    let request = EmbedRequest {
        model: &model,
        model_path: &args.model,
        genome: &genome,
        regions: &regions,
        rc_average: args.rc_average,
        quiet: args.common.quiet,
    };
    let (rows, dims) = embed_regions(&request, &args.output, metadata(&args))?;
    if !args.common.quiet {
        eprintln!(
            "embed-regions: {rows} positions, {dims} features each ({} model), into {}",
            model.config.model.name(),
            args.output.display()
        );
    }
    Ok(())
}

/// The table's metadata beyond the model's: the genome, and whether strands were averaged.
fn metadata(args: &Args) -> crate::io::parquet::Metadata {
    let mut meta = crate::io::parquet::Metadata::new();
    meta.insert("dnactx.rc_average".into(), args.rc_average.to_string());
    meta.insert("dnactx.genome".into(), crate::io::file_name(&args.genome));
    meta
}

/// The positions to embed, at most `--max-positions` of them.
fn chosen_regions(args: &Args, genome: &Genome) -> Result<HashMap<String, IntervalSet>> {
    let regions = super::chosen_regions(
        genome,
        args.windows.as_deref(),
        args.split,
        args.regions.as_deref(),
        &args.chroms,
        &super::JobArgs::default(),
        "embed",
    )?;
    let total: u64 = regions.values().map(|s| s.covered()).sum();
    if total > args.max_positions {
        bail!(
            "{total} positions to embed, above --max-positions {}: choose fewer (a BED, --chrom) or raise it",
            args.max_positions
        );
    }
    Ok(regions)
}

/// The network of a train-model folder, on the chosen device (and threads).
fn load_model(args: &Args) -> Result<NeuralModel> {
    if args.common.threads > 0 {
        tch::set_num_threads(args.common.threads as i32);
    }
    let (dev, precision) = device::setup(&args.compute, crate::compute::Dtype::Auto, 0)?;
    if !args.model.is_dir() {
        bail!(
            "{}: not a model folder from train-model",
            args.model.display()
        );
    }
    Ok(NeuralModel::load(&args.model, dev, precision)?)
}
