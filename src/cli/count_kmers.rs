//! `count-kmers`: the central context model's counts, or the merge of several shards.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::regions::splits::Split;
use crate::tools::RegionChoice;
use crate::tools::count_kmers::CountKmers;

/// Count, for every context of k bases left and k bases right, how often each base sits
/// between them; or merge count tables (shards).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  count-kmers -g genome.fa.gz --windows windows.parquet --split train -k 5 -o kmers.parquet\n  count-kmers -g genome.fa.gz --windows windows.parquet --chrom chr_1 -k 5 -o chr_1.parquet\n  count-kmers --merge chr_*.parquet -o kmers.parquet"
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long, required_unless_present = "merge")]
    pub genome: Option<PathBuf>,
    /// Windows table from make-windows; without it every base of the genome is a center.
    #[arg(long, conflicts_with = "merge")]
    pub windows: Option<PathBuf>,
    /// Split whose windows are counted.
    #[arg(long, value_enum, default_value_t = Split::Train)]
    pub split: Split,
    /// Only these chromosomes (comma-separated or repeated): one shard per chromosome.
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    #[command(flatten)]
    pub job: super::JobArgs,
    /// Bases of context on each side (1..=14).
    #[arg(short, default_value_t = 5)]
    pub k: usize,
    /// Also count the reverse complement strand.
    #[arg(long)]
    pub both_strands: bool,
    /// Memory budget for the dense table, GiB; a sparse table is used above it.
    #[arg(long, default_value_t = 4.0)]
    pub memory_gb: f64,
    /// Merge these count tables instead of counting.
    #[arg(long, num_args = 1..)]
    pub merge: Vec<PathBuf>,
    /// Output Parquet table.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let regions = RegionChoice {
        windows: args.windows,
        split: args.split,
        bed: None,
        chroms: super::flatten_list(&args.chroms),
        plan_job: args.job.plan_job(),
    };
    let job = CountKmers {
        genome: args.genome,
        regions,
        k: args.k,
        both_strands: args.both_strands,
        memory_bytes: (args.memory_gb * (1u64 << 30) as f64) as u64,
        merge: args.merge,
        output: args.output,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
