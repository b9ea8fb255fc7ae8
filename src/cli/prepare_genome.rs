//! `prepare-genome`: a genome as downloaded into bgzip with `.fai` and `.gzi`, once, so
//! that every later step reads any contig without decompressing the others.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

/// Copy a FASTA (plain, gzip or bgzip; ragged lines; NCBI headers) to bgzip with 60-base
/// lines and names cut to the header's first word, and index it (.fai, .gzi).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  prepare-genome -g hg38.fa.gz -o results/genome/hg38.fa.gz\n\nBases are copied unchanged (soft-masking and IUPAC letters kept). The output and its\nindexes appear only when all of it was written and indexed."
)]
pub struct Args {
    /// Genome FASTA as downloaded (plain, gzip or bgzip).
    #[arg(short, long)]
    pub genome: PathBuf,
    /// Output bgzip FASTA (its .fai and .gzi are written beside it).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    crate::io::refuse_overwrite([&args.genome], [&args.output])?;
    let size = std::fs::metadata(&args.genome)
        .map_err(|e| crate::Error::io(&args.genome, e))?
        .len();
    // gzip holds about 3.5 bases per byte: the bar's total is a guess, its rate is not
    let pb = crate::progress::bar(size * 3, "prepare-genome", args.common.quiet);
    let threads = rayon::current_num_threads() as u32;
    crate::genome::prepare::to_bgzip(&args.genome, &args.output, threads, |n| pb.set_position(n))?;
    pb.finish_and_clear();
    Ok(())
}
