//! `find-copies`: where test sequence has a copy in the train split, by the train split's
//! FM-index, as a BED of bands that score-genome takes as metrics classes.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::tools::find_copies::FindCopies;

/// For every A/C/G/T position of a split's windows, the longest window centred on it (up to
/// 33 bases) that the train split's FM-index holds on either strand, as BED bands:
/// train_copy_33bp (the whole order-16 window), train_copy_21_31bp, train_copy_none.
#[derive(Parser, Debug)]
#[command(
    version,
    mut_arg("windows", |a| a.help("Windows table from make-windows; its --split windows are searched")),
    mut_arg("split", |a| a.help("Split to search")),
    mut_arg("regions", |a| a.help("BED of regions to search instead of windows. `-` reads standard input")),
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
    #[command(flatten)]
    pub regions: super::RegionArgs,
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
    let job = FindCopies {
        regions: args.regions.choice(),
        genome: args.genome,
        index: args.model,
        output: args.output,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
