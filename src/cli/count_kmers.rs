//! `count-kmers`: the central context model's counts, or the merge of several shards.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::Genome;
use crate::kmer::CountTable;
use crate::kmer::count::count_regions;
use crate::kmer::counts::Strands;
use crate::kmer::table::{self, CountsMeta, check_k};
use crate::regions::splits::Split;
use crate::regions::windows::{self, Chosen};

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
    let budget = (args.memory_gb * (1u64 << 30) as f64) as u64;
    let inputs = args.genome.iter().chain(&args.windows).chain(&args.merge);
    crate::io::refuse_overwrite(inputs, [&args.output])?;
    let (counts, meta) = if args.merge.is_empty() {
        count(&args, budget)?
    } else {
        table::merge_counts(&args.merge, budget)?
    };
    table::write_counts(&args.output, &counts, &meta)?;
    Ok(())
}

/// The counts of the chosen windows (or chromosomes) of the genome, within `budget` bytes.
fn count(args: &Args, budget: u64) -> Result<(CountTable, CountsMeta)> {
    check_k(args.k)?;
    let (genome, genome_path) = open_genome(args)?;
    let chroms = args.job.or_chroms(&args.chroms)?;
    let Chosen { regions, label } =
        Chosen::new(&genome, args.windows.as_deref(), args.split, &chroms)?;
    // An empty shard (a chromosome with no windows of the split) is fine; an empty
    // whole-genome count is a mistake.
    if regions.is_empty() && chroms.is_empty() {
        bail!(
            "nothing to count: no {} windows on the chosen chromosomes",
            args.split
        );
    }
    let names = windows::in_genome_order(&genome, &regions);
    let strands = Strands::both_if(args.both_strands);
    let quiet = args.common.quiet;
    let counts = count_regions(&genome, &regions, &names, args.k, strands, budget, quiet)?;
    if counts.total() == 0 {
        nothing_counted(args, &names, chroms.is_empty())?;
    }
    let meta = CountsMeta {
        k: args.k,
        strands,
        genome: crate::io::file_name(genome_path),
        split: label,
        chroms: names.join(","),
    };
    Ok((counts, meta))
}

/// The genome of `--genome`, which counting needs.
fn open_genome(args: &Args) -> Result<(Genome, &std::path::Path)> {
    let path = args.genome.as_ref().context("--genome is required")?;
    let genome =
        Genome::open(path).with_context(|| format!("opening genome {}", path.display()))?;
    Ok((genome, path))
}

/// No center was counted: an error for a whole count (`whole`), a warning for a shard (a
/// chromosome too short for k).
fn nothing_counted(args: &Args, names: &[String], whole: bool) -> Result<()> {
    let why = format!(
        "no {} centers counted on {}: no position of its windows has {} A/C/G/T bases on each side",
        args.split,
        if names.is_empty() {
            "the chosen chromosomes".to_string()
        } else {
            names.join(", ")
        },
        args.k
    );
    // A shard may be empty (a chromosome too short for k); a whole count may not.
    if whole {
        bail!("{why}");
    }
    crate::progress::warn(format_args!(
        "{why}; {} is an empty shard",
        args.output.display()
    ));
    Ok(())
}
