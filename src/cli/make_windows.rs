//! `make-windows`: genome tiles with their split and composition, as Parquet (and BED).

use std::collections::HashMap;
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
    let inputs = [&args.genome]
        .into_iter()
        .chain(&args.config)
        .chain(&args.plan)
        .chain(&args.repeats);
    let outputs = [&args.output]
        .into_iter()
        .chain(&args.bed)
        .chain(&args.splits_out);
    crate::io::refuse_overwrite(inputs, outputs)?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let (splits, assigned, plan) = assignment(&args, &genome)?;
    let rows = tile(&args, &genome, &assigned, &splits)?;
    warn_unusable_splits(&rows, &assigned);
    if let (Some(plan), Some(dest)) = (&plan, &args.splits_out) {
        plan.write_with_windows(&rows, args.max_unknown, dest)?;
    }
    write_outputs(&args, &rows)
}

/// The windows of every contig assigned to a split, with their repeat fractions.
fn tile(
    args: &Args,
    genome: &Genome,
    assigned: &HashMap<String, Split>,
    splits: &SplitConfig,
) -> Result<Vec<WindowRow>> {
    let repeats = args.repeats.as_ref().map(|p| bed::read_sets(p, genome));
    let repeats = repeats.transpose()?;
    let spec = TileSpec {
        size: args.size,
        max_unknown: args.max_unknown,
    };
    let contigs = genome.contigs().len() as u64;
    let pb = crate::progress::bar(contigs, "make-windows", args.common.quiet);
    let rows =
        windows::make_windows_assigned(genome, &spec, assigned, splits, repeats.as_ref(), |_| {
            pb.inc(1)
        })?;
    pb.finish_and_clear();
    if rows.is_empty() {
        anyhow::bail!(
            "no windows: no chromosome is in a split, or every window is mostly unknown bases"
        );
    }
    Ok(rows)
}

/// The split config and every contig's split: from the plan (`--plan`, with `--fold` a
/// fold's), or from the flags and the genome.
fn assignment(
    args: &Args,
    genome: &Genome,
) -> Result<(
    SplitConfig,
    HashMap<String, Split>,
    Option<crate::assembly::Plan>,
)> {
    Ok(match &args.plan {
        Some(p) => {
            let plan = crate::assembly::Plan::read_tsv(p)?;
            let assigned = match &args.fold {
                Some(f) => plan.fold_split_map(parse_fold(f)?),
                None => plan.split_map(),
            };
            (split_config(args, true)?, assigned, Some(plan))
        }
        None => {
            let cfg = split_config(args, false)?;
            let assigned = cfg.assign(genome)?;
            (cfg, assigned, None)
        }
    })
}

/// Writes the windows: the BED first (if asked for), then the Parquet table, the rule's
/// main output.
fn write_outputs(args: &Args, rows: &[WindowRow]) -> Result<()> {
    let mut meta = Metadata::new();
    meta.insert("dnactx.kind".into(), "windows".into());
    meta.insert("dnactx.genome".into(), crate::io::file_name(&args.genome));
    meta.insert("dnactx.size".into(), args.size.to_string());
    meta.insert("dnactx.max_unknown".into(), args.max_unknown.to_string());
    meta.insert("dnactx.version".into(), crate::VERSION.into());
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
    windows::write_parquet(&args.output, rows, &meta)?;
    Ok(())
}

/// Warns about a split that has chromosomes but no A/C/G/T base in any of its windows: every
/// tool that uses it would find nothing to count, train on or score.
fn warn_unusable_splits(rows: &[WindowRow], assigned: &HashMap<String, Split>) {
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
}

/// `fold2` (or `2`) as the fold's number.
fn parse_fold(s: &str) -> Result<usize> {
    s.strip_prefix("fold")
        .unwrap_or(s)
        .parse()
        .map_err(|_| anyhow::anyhow!("--fold '{s}': give a fold as fold1, fold2, ..."))
}

/// The splits of `--config`, overridden by the flags; none at all is an error unless a plan
/// gives them.
fn split_config(args: &Args, from_plan: bool) -> Result<SplitConfig> {
    let mut cfg = match &args.config {
        Some(p) => SplitConfig::from_yaml(p)?,
        None => SplitConfig::default(),
    };
    override_splits(args, &mut cfg);
    if cfg == SplitConfig::default() && !from_plan {
        anyhow::bail!(
            "no splits given: use --config or --train/--valid/--test (e.g. --train chr1 --test rest)"
        );
    }
    Ok(cfg)
}

/// The flags that override the config's splits.
fn override_splits(args: &Args, cfg: &mut SplitConfig) {
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
}
