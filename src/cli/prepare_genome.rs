//! `prepare-genome`: a genome as downloaded into bgzip with `.fai` and `.gzi`, once, so
//! that every later step reads any contig without decompressing the others.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::tools::prepare_genome::PrepareGenome;

/// Copy a FASTA (plain, gzip or bgzip; ragged lines; NCBI headers) or a UCSC .2bit to bgzip
/// with 60-base lines and names cut to the header's first word, and index it (.fai, .gzi).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  prepare-genome -g hg38.fa.gz -o results/genome/hg38.fa.gz\n  prepare-genome -g hg38.2bit -o results/genome/hg38.fa.gz\n\nBases are copied unchanged (soft-masking, N runs and IUPAC letters kept). A .2bit is\ntold by its first bytes, whatever its name. The output and its indexes appear only when\nall of it was written and indexed."
)]
pub struct Args {
    /// Genome as downloaded: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Output bgzip FASTA (its .fai and .gzi are written beside it).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let job = PrepareGenome {
        genome: args.genome,
        output: args.output,
        threads: rayon::current_num_threads() as u32,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
