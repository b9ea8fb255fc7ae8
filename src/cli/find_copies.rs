//! `find-copies`: where test sequence has a copy in the train split, by the train split's
//! FM-index, as a BED of bands that score-genome takes as metrics classes.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::genome::Genome;
use crate::markov::{BandCounts, MarkovModel, MarkovSettings, copy_bands};
use crate::regions::IntervalSet;
use crate::regions::splits::Split;

/// For every A/C/G/T position of a split's windows, the longest window centred on it (up to
/// 33 bases) that the train split's FM-index holds on either strand, as BED bands:
/// train_copy_33bp (the whole order-16 window), train_copy_21_31bp, train_copy_none.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  find-copies -g genome.fa.gz -m train.fmd --windows windows.parquet --split test -o copies.bed\n  score-genome ... --classes copies.bed   # metrics rows per band, for any model\n\nThe band of a position is that of the longest window around it found in the index, its own\noccurrence left out (an index of the whole genome finds no position itself). Prints the share\nof positions in each band."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit, the one the index was built from.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// FM-index of the train split (index-genome).
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// Windows table from make-windows; its --split windows are searched.
    #[arg(long, required_unless_present = "regions", conflicts_with = "regions")]
    pub windows: Option<PathBuf>,
    /// Split to search.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// BED of regions to search instead of windows.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: Option<PathBuf>,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    #[command(flatten)]
    pub job: super::JobArgs,
    /// Output BED (chrom, start, end, band), runs of one band merged.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let inputs = [&args.genome, &args.model]
        .into_iter()
        .chain(&args.windows)
        .chain(&args.regions)
        .chain(&args.job.plan);
    crate::io::refuse_overwrite(inputs, [&args.output])?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let regions = chosen_regions(&args, &genome)?;
    let model = full_order(&args.model, &genome)?;
    let counts = copy_bands(&model, &genome, &regions, &args.output, args.common.quiet)?;
    if !args.common.quiet {
        eprintln!("find-copies: {}", summary(&counts, &model, &args.model));
    }
    Ok(())
}

/// The positions to search: the split's windows or the BED's regions, of the job's or the
/// chosen chromosomes.
fn chosen_regions(args: &Args, genome: &Genome) -> Result<HashMap<String, IntervalSet>> {
    super::chosen_regions(
        genome,
        args.windows.as_deref(),
        args.split,
        args.regions.as_deref(),
        &args.chroms,
        &args.job,
        "search",
    )
}

/// The positions searched and the share of each band.
fn summary(counts: &BandCounts, model: &MarkovModel, index: &std::path::Path) -> String {
    format!(
        "{} positions against {} ({} bases indexed): {}",
        counts.total(),
        crate::io::file_name(index),
        model.index().meta.bases,
        counts.shares()
    )
}

/// The index as a model of every order up to the most, leaving each position's own count out.
fn full_order(index: &std::path::Path, genome: &Genome) -> Result<MarkovModel> {
    let markov = super::model::MarkovArgs {
        max_order: crate::markov::model::K_MAX,
        alpha: MarkovSettings::DEFAULT_ALPHA,
        min_order: 0,
        no_leave_one_out: false,
        other_genome: false,
    };
    markov.load(index, genome)
}
