//! `query-index`: the FM-index model's probabilities (and top-order counts) at chosen
//! positions, in full precision: for inspecting the model and checking it against an
//! independent count.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::tools::query_index::QueryIndex;

/// Print the bidirectional Markov model's p(A), p(C), p(G), p(T) at every position of a BED
/// file, with 17 significant digits (leave-one-out as score-genome applies it).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  query-index -g genome.fa.gz -m train.fmd --regions sites.bed --max-order 10 -o probs.tsv\n\nColumns: chrom, pos (0-based), ref, p_A, p_C, p_G, p_T (nan where the base is not A/C/G/T)."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// FM-index from index-genome.
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// Positions to query (BED).
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: PathBuf,
    #[command(flatten)]
    pub markov: super::model::MarkovArgs,
    /// Output TSV.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let job = QueryIndex {
        markov: args.markov.options(),
        genome: args.genome,
        index: args.model,
        regions: args.regions,
        output: args.output,
    };
    Ok(job.run()?)
}
