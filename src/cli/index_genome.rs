//! `index-genome`: the FM-index of the train split, both strands, for the bidirectional
//! Markov model.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::regions::splits::Split;
use crate::tools::index_genome::IndexGenome;

/// Index the A/C/G/T runs of a split's windows (or of whole chromosomes) and their reverse
/// complements into one FMD-index file: a model for score-genome, score-variants,
/// explain-flanks and train-model --prior that counts any context of up to 16 bases a side
/// on demand.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  index-genome -g genome.fa.gz --windows windows.parquet --split train -o train.fmd\n  index-genome -g genome.fa.gz --chrom chr_1,chr_2 -o chr1-2.fmd\n  score-genome -g genome.fa.gz -m train.fmd --max-order 12 --windows windows.parquet --split test -o scores/markov\n\nMemory: one pass takes about 5 bytes per indexed position (both strands: 10 per base). A\ntext that does not fit --max-memory, or has 2^31 positions or more, is sorted in parts\nbelow 2^31 positions merged one by one: about 4.5 bytes per position of the largest part\nplus 0.5 per position of the rest, and 1.1 per position while merging (a human genome,\n6.2 G positions: 16 GB). The counts are the same either way; the file holds about 1 byte\nper base."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Windows table from make-windows; without it whole contigs are indexed.
    #[arg(long)]
    pub windows: Option<PathBuf>,
    /// Split whose windows are indexed.
    #[arg(long, value_enum, default_value_t = Split::Train)]
    pub split: Split,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    /// Output index file (.fmd).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Peak memory to stay within, e.g. 12G: the text is sorted in parts that fit (default:
    /// the cgroup's limit or the memory available).
    #[arg(long, value_parser = crate::markov::memory::parse_size)]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let job = IndexGenome {
        chroms: super::flatten_list(&args.chroms),
        genome: args.genome,
        windows: args.windows,
        split: args.split,
        output: args.output,
        max_memory: args.max_memory,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
