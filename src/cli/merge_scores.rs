//! `merge-scores`: gather per-chromosome score-genome folders into one: one bigWig per
//! track, one metrics table (the overall rows recomputed from the sums), one calibration.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::tools::merge_scores::MergeScores;

/// Merge score-genome output folders of disjoint chromosomes (e.g. one job per chromosome)
/// into one folder with the same files.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  merge-scores -o results/scores/cnn results/scores/cnn/chroms/*"
)]
pub struct Args {
    /// score-genome output folders, in the order their chromosomes should appear.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Decimals kept in the merged tracks' values (0 to 6; see score-genome --precision);
    /// `full` copies the values as they are.
    #[arg(long, default_value = "full", value_parser = super::parse_decimals)]
    pub precision: super::Decimals,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--out-dir", "--output")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let job = MergeScores {
        inputs: args.inputs,
        output: args.output,
        decimals: args.precision.0,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
