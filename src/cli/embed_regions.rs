//! `embed-regions`: a trained network's per-position features (the head's input: its left
//! and right streams joined, before the prior) for the positions of a BED or a split, as a
//! Parquet table with coordinates, written in row groups so memory stays bounded.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::regions::splits::Split;
use crate::tools::RegionChoice;
use crate::tools::embed_regions::EmbedRegions;

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
    let regions = RegionChoice {
        windows: args.windows,
        split: args.split,
        bed: args.regions,
        chroms: super::flatten_list(&args.chroms),
        plan_job: None,
    };
    let job = EmbedRegions {
        genome: args.genome,
        model: args.model,
        regions,
        rc_average: args.rc_average,
        max_positions: args.max_positions,
        output: args.output,
        compute: args.compute,
        threads: args.common.threads,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
