//! `plan-splits`: every contig's class, parent, split, crossfit fold and job, as the table
//! the workflow and make-windows read (`splits.tsv`); or a starting workflow config for a
//! genome (`--init-config`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;

use crate::assembly::{self, CrossfitConfig, Plan, PlanSettings, starter};
use crate::genome::Genome;
use crate::regions::splits::SplitConfig;

/// Class every contig (primary, mito, alt, random, unplaced, decoy, hla, other) and assign
/// it a split, a crossfit fold and a job, so that no copy of a train chromosome is tested.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  plan-splits -g hg38.fa.gz --config my.yaml -o splits.tsv\n  plan-splits -g GCF_000001405.40_GRCh38.p14_genomic.fna.gz --assembly-report GCF_000001405.40_GRCh38.p14_assembly_report.txt --config my.yaml -o -\n  plan-splits -g hg38.fa.gz --init-config my.yaml --node gpu\n\nThe table: contig, length, class, parent, split (train, valid, test or excluded), fold, job, reason."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Workflow config (or any YAML) with the `splits:` and, optionally, `crossfit:` sections.
    #[arg(long, required_unless_present = "init_config")]
    pub config: Option<PathBuf>,
    /// NCBI assembly report (`*_assembly_report.txt`): classes and parents from its roles,
    /// matched to the contigs by any of its name columns.
    #[arg(long)]
    pub assembly_report: Option<PathBuf>,
    /// Tab-separated contig, class and parent (a contig, or `.`) overriding the names (and
    /// the assembly report).
    #[arg(long)]
    pub contig_table: Option<PathBuf>,
    /// About how many jobs per model and step: large contigs alone, small ones packed.
    #[arg(long, default_value_t = 24)]
    pub max_jobs: usize,
    /// Output table (`-`: standard output).
    #[arg(short, long, required_unless_present = "init_config")]
    pub output: Option<PathBuf>,
    /// Write a starting workflow config for the genome to this file instead.
    #[arg(long, conflicts_with_all = ["config", "output"])]
    pub init_config: Option<PathBuf>,
    /// With --init-config: models sized for a CPU node or a GPU node.
    #[arg(long, value_enum, default_value_t = starter::Node::Cpu)]
    pub node: starter::Node,
    /// With --init-config: propose this many crossfit folds as well.
    #[arg(long)]
    pub folds: Option<usize>,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let infos = classified(&args, &genome)?;
    match &args.init_config {
        Some(dest) => init_config(&args, dest, &infos),
        None => plan(&args, infos),
    }
}

/// The genome's contigs, each classed by its name, length and the assembly report or contig
/// table given.
fn classified(args: &Args, genome: &Genome) -> Result<Vec<assembly::ContigInfo>> {
    let contigs = genome.contig_lengths();
    let mut overrides = assembly::Overrides::new();
    if let Some(p) = &args.assembly_report {
        overrides.extend(assembly::read_assembly_report(p, &contigs)?);
    }
    if let Some(p) = &args.contig_table {
        overrides.extend(assembly::read_contig_table(p, &contigs)?);
    }
    Ok(assembly::classify(&contigs, &overrides))
}

/// `--init-config`: a starting workflow config for the genome, written to `dest`.
fn init_config(args: &Args, dest: &Path, infos: &[assembly::ContigInfo]) -> Result<()> {
    let text = starter::config_text(&starter::Starter {
        genome: &args.genome,
        dest,
        contigs: infos,
        node: args.node,
        folds: args.folds,
        assembly_report: args.assembly_report.as_deref(),
        contig_table: args.contig_table.as_deref(),
    })?;
    write_text(dest, &text)?;
    eprintln!(
        "plan-splits: wrote {}; check its splits, then `snakemake -n`",
        dest.display()
    );
    Ok(())
}

/// The plan of the config's splits (and crossfit folds), to `--output`.
fn plan(args: &Args, infos: Vec<assembly::ContigInfo>) -> Result<()> {
    let config = args.config.as_deref().expect("clap requires --config");
    let settings = PlanSettings {
        splits: SplitConfig::from_yaml(config)?,
        crossfit: crossfit_section(config)?,
        max_jobs: args.max_jobs,
    };
    let plan = Plan::build(infos, &settings)
        .with_context(|| format!("the splits of {}", args.genome.display()))?;
    let out = args.output.as_deref().expect("clap requires --output");
    if out.as_os_str() == "-" {
        std::io::stdout().write_all(plan.to_tsv().as_bytes())?;
    } else {
        write_text(out, &plan.to_tsv())?;
    }
    if !args.common.quiet {
        eprintln!("splits of {}:\n{}", args.genome.display(), plan.summary());
    }
    Ok(())
}

/// Writes `text` to `dest` atomically.
fn write_text(dest: &std::path::Path, text: &str) -> Result<()> {
    let mut out = crate::io::OutputFile::create(dest)?;
    out.write_all(text.as_bytes())
        .map_err(|e| crate::Error::io(dest, e))?;
    out.commit()?;
    Ok(())
}

/// The `crossfit:` section of a YAML file, if it has one.
fn crossfit_section(path: &std::path::Path) -> Result<Option<CrossfitConfig>> {
    let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| crate::Error::invalid(path, e.to_string()))?;
    match value.get("crossfit") {
        None | Some(serde_yaml::Value::Null) => Ok(None),
        Some(v) => {
            Ok(Some(serde_yaml::from_value(v.clone()).map_err(|e| {
                crate::Error::invalid(path, format!("crossfit: {e}"))
            })?))
        }
    }
}
