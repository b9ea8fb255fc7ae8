//! `make-windows`: genome tiles with their split and composition, as Parquet (and BED).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::regions::bed::{self, BedRecord};
use crate::regions::splits::{ChromList, Split, SplitConfig};
use crate::regions::windows::{self, TileSpec, WindowRow};

/// Tile the genome into windows and assign each to train, valid or test.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  make-windows -g genome.fa.gz --train chr_1,chr_2 --test rest -o windows.parquet\n  make-windows -g genome.fa.gz --config config/config.yaml --repeats repeats.bed -o windows.parquet --bed windows.bed"
)]
pub struct Args {
    /// Genome FASTA (plain, gzip or bgzip).
    #[arg(short, long)]
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
    /// Window size in bases.
    #[arg(long, default_value_t = 100_000)]
    pub size: u64,
    /// Drop windows whose share of unknown bases (N, IUPAC) is above this.
    #[arg(long, default_value_t = 0.5)]
    pub max_unknown: f64,
    /// Repeat BED (from mask-repeats) for the n_repeat column; soft-masked bases otherwise.
    #[arg(long)]
    pub repeats: Option<PathBuf>,
    #[command(flatten)]
    pub common: super::Common,
}

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let inputs = [&args.genome]
        .into_iter()
        .chain(&args.config)
        .chain(&args.repeats);
    crate::io::refuse_overwrite(inputs, [&args.output].into_iter().chain(&args.bed))?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let splits = split_config(&args)?;
    let repeats = match &args.repeats {
        Some(p) => Some(bed::read_sets(p, &genome)?),
        None => None,
    };
    let spec = TileSpec {
        size: args.size,
        max_unknown: args.max_unknown,
    };
    let pb = crate::progress::bar(
        genome.contigs().len() as u64,
        "make-windows",
        args.common.quiet,
    );
    let rows = windows::make_windows(&genome, &spec, &splits, repeats.as_ref(), |_| pb.inc(1))?;
    pb.finish_and_clear();
    if rows.is_empty() {
        anyhow::bail!(
            "no windows: no chromosome is in a split, or every window is mostly unknown bases"
        );
    }
    warn_unusable_splits(&rows, &splits, &genome)?;
    let mut meta = Metadata::new();
    meta.insert("dnactx.kind".into(), "windows".into());
    meta.insert("dnactx.genome".into(), crate::io::file_name(&args.genome));
    meta.insert("dnactx.size".into(), args.size.to_string());
    meta.insert("dnactx.max_unknown".into(), args.max_unknown.to_string());
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    // Write the BED first: the Parquet table is the rule's main output.
    if let Some(bed_path) = &args.bed {
        bed::write_bed(
            bed_path,
            rows.iter().map(|r| BedRecord {
                chrom: r.chrom.clone(),
                start: r.start,
                end: r.end,
                name: Some(r.split.to_string()),
            }),
        )?;
    }
    windows::write_parquet(&args.output, &rows, &meta)?;
    Ok(())
}

/// Warns about a split that has chromosomes but no A/C/G/T base in any of its windows: every
/// tool that uses it would find nothing to count, train on or score.
fn warn_unusable_splits(rows: &[WindowRow], splits: &SplitConfig, genome: &Genome) -> Result<()> {
    let assigned = splits.assign(genome)?;
    for split in Split::ALL {
        let chroms = assigned.values().filter(|&&s| s == split).count();
        let bases: u64 = rows
            .iter()
            .filter(|r| r.split == split)
            .map(|r| r.n_acgt)
            .sum();
        if chroms > 0 && bases == 0 {
            crate::progress::warn(format_args!(
                "split {split} has {chroms} chromosome(s) but no window with an A/C/G/T base: nothing in it can be counted, trained on or scored"
            ));
        }
    }
    Ok(())
}

fn split_config(args: &Args) -> Result<SplitConfig> {
    let mut cfg = match &args.config {
        Some(p) => SplitConfig::from_yaml(p)?,
        None => SplitConfig::default(),
    };
    if let Some(v) = &args.train {
        cfg.train = ChromList::from_flag(v);
    }
    if let Some(v) = &args.valid {
        cfg.valid = ChromList::from_flag(v);
    }
    if let Some(v) = &args.test {
        cfg.test = ChromList::from_flag(v);
    }
    if let Some(v) = args.valid_fraction {
        cfg.valid_fraction = v;
    }
    if let Some(v) = args.seed {
        cfg.seed = v;
    }
    if cfg == SplitConfig::default() {
        anyhow::bail!(
            "no splits given: use --config or --train/--valid/--test (e.g. --train chr1 --test rest)"
        );
    }
    Ok(cfg)
}
