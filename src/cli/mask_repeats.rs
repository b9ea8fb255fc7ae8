//! `mask-repeats`: a sorted, merged BED of repeats from soft-masking, DUST and annotations.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::repeats::DustParams;
use crate::tools::mask_repeats::MaskRepeats;

/// Write a BED of repeat intervals: soft-masked runs, low-complexity (DUST) intervals and
/// any BED annotations, merged; the name column lists the source(s) of each interval.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  mask-repeats -g genome.fa.gz --dust --bed rmsk.bed -o repeats.bed"
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Output BED (chrom, start, end, sources), sorted in genome order.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Add low-complexity intervals found by symmetric DUST.
    #[arg(long)]
    pub dust: bool,
    /// DUST window (bases).
    #[arg(long, default_value_t = 64)]
    pub dust_window: usize,
    /// DUST score threshold.
    #[arg(long, default_value_t = 20)]
    pub dust_threshold: i64,
    /// Do not take the soft-masked (lowercase) runs.
    #[arg(long)]
    pub no_softmask: bool,
    /// BED annotation of repeats to add (repeatable); its file stem names the source.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long = "bed")]
    pub beds: Vec<PathBuf>,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let dust = args.dust.then_some(DustParams {
        window: args.dust_window,
        threshold: args.dust_threshold,
    });
    let job = MaskRepeats {
        genome: args.genome,
        output: args.output,
        softmask: !args.no_softmask,
        dust,
        beds: args.beds,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
