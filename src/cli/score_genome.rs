//! `score-genome`: per-base predictions as bigWig tracks, and accuracy tables.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::tools::score_genome::ScoreGenome;

/// Predict A/C/G/T at every base of a split's windows (or of a BED of regions); write
/// bigWig tracks and a metrics table.
#[derive(Parser, Debug)]
#[command(
    version,
    mut_arg("windows", |a| a.help("Windows table from make-windows; its --split windows are scored")),
    mut_arg("split", |a| a.help("Split to score")),
    mut_arg("regions", |a| a.help("BED of regions to score instead of windows. `-` reads standard input")),
    after_help = "Example:\n  score-genome -g genome.fa.gz --model kmers.parquet --windows windows.parquet --split test \\\n      --repeats repeats.bed -o results/scores/kmer5\n\nWrites p_ref.bw and entropy.bw (and p_A..p_T.bw with --tracks), metrics.parquet, metrics.tsv\nand calibration.parquet. With --classes exons.bed (name column: the class), metrics rows per class."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    #[command(flatten)]
    pub regions: super::RegionArgs,
    /// Repeat BED (from mask-repeats) for the repeat/non-repeat metrics; soft-masked bases
    /// count as repeats without it.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub repeats: Option<PathBuf>,
    /// Annotation classes: a BED whose 4th column names each interval's class (exon, CDS,
    /// promoter, any label); each class gets metrics rows of its own beside all, repeat and
    /// non_repeat. Repeatable; a position may be in several classes.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long = "classes")]
    pub classes: Vec<PathBuf>,
    /// Output folder for tracks and metrics (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write p_A, p_C, p_G and p_T tracks.
    #[arg(long)]
    pub tracks: bool,
    /// Average each prediction with the reverse complement's.
    #[arg(long)]
    pub rc_average: bool,
    /// Print the positions scored per second and, for a neural model, the share of its time
    /// spent waiting for inputs to be prepared (the device idle for want of data).
    #[arg(long)]
    pub profile: bool,
    /// Decimals kept in the tracks' values (0 to 6), so that equal neighbours merge and the
    /// bigWigs shrink; the metrics always use the unrounded values. `full` keeps every digit
    /// of an f32. At 3 a value is off by at most 0.0005, and p_ref takes 2.8 bytes per base
    /// instead of 3.9 (docs/benchmarks.md).
    #[arg(long, default_value = "3", value_parser = super::parse_decimals)]
    pub precision: super::Decimals,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--out-dir", "--output")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    Ok(job(args).run()?)
}

/// The library's job from the options.
fn job(args: Args) -> ScoreGenome {
    ScoreGenome {
        model: args.model.spec(&args.common),
        regions: args.regions.choice(),
        genome: args.genome,
        repeats: args.repeats,
        classes: args.classes,
        output: args.output,
        all_tracks: args.tracks,
        rc_average: args.rc_average,
        decimals: args.precision.0,
        profile: args.profile,
        quiet: args.common.quiet,
    }
}
