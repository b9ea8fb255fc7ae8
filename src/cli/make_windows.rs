//! `make-windows`: genome tiles with their split and composition, as Parquet (and BED).

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::regions::windows::TileSpec;
use crate::tools::make_windows::{MakeWindows, SplitOverrides, SplitSource};

/// Tile the genome into windows and assign each to train, valid or test.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  make-windows -g genome.fa.gz --train chr_1,chr_2 --test rest -o windows.parquet\n  make-windows -g genome.fa.gz --config config/config.yaml --repeats repeats.bed -o windows.parquet --bed windows.bed"
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Output Parquet table of windows.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write the windows as BED (chrom, start, end, split).
    #[arg(long)]
    pub bed: Option<PathBuf>,
    /// YAML with train/valid/test chromosome lists (top level or under `splits:`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Train chromosomes, comma-separated, or `rest` (overrides the config).
    #[arg(long)]
    pub train: Option<String>,
    /// Valid chromosomes, comma-separated, or `rest` (overrides the config).
    #[arg(long)]
    pub valid: Option<String>,
    /// Test chromosomes, comma-separated, or `rest` (overrides the config).
    #[arg(long)]
    pub test: Option<String>,
    /// Share of train windows moved to valid, seeded (overrides the config).
    #[arg(long)]
    pub valid_fraction: Option<f64>,
    /// Seed for --valid-fraction (overrides the config).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Split plan (plan-splits' table): each contig's split from it instead of the lists.
    #[arg(long, conflicts_with_all = ["config", "train", "valid", "test"])]
    pub plan: Option<PathBuf>,
    /// With --plan: the windows of this crossfit fold's run (its contigs test, every other
    /// fold's train), e.g. `fold2`.
    #[arg(long, requires = "plan")]
    pub fold: Option<String>,
    /// With --plan: write the plan with each contig's windows and A/C/G/T bases, and the
    /// contigs left with nothing to score, here (the workflow's results/splits.tsv).
    #[arg(long, requires = "plan")]
    pub splits_out: Option<PathBuf>,
    /// Window size in bases.
    #[arg(long, default_value_t = 100_000)]
    pub size: u64,
    /// Drop windows whose share of unknown bases (N, IUPAC) is above this.
    #[arg(long, default_value_t = 0.5)]
    pub max_unknown: f64,
    /// Repeat BED (from mask-repeats) for the n_repeat column; soft-masked bases otherwise.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub repeats: Option<PathBuf>,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let splits = match args.plan {
        Some(plan) => SplitSource::Plan {
            plan,
            fold: args.fold,
            splits_out: args.splits_out,
        },
        None => SplitSource::Lists {
            config: args.config,
        },
    };
    let overrides = SplitOverrides {
        train: args.train,
        valid: args.valid,
        test: args.test,
        valid_fraction: args.valid_fraction,
        seed: args.seed,
    };
    let job = MakeWindows {
        genome: args.genome,
        output: args.output,
        bed: args.bed,
        splits,
        overrides,
        tiles: TileSpec {
            size: args.size,
            max_unknown: args.max_unknown,
        },
        repeats: args.repeats,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
