//! `plan-splits`: every contig's class, parent, split, crossfit fold and job, as the table
//! the workflow and make-windows read (`splits.tsv`); or a starting workflow config for a
//! genome (`--init-config`).

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::assembly::starter;
use crate::tools::plan_splits::{PlanOutput, PlanSplits};

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
    let write = match args.init_config {
        Some(dest) => PlanOutput::InitConfig {
            dest,
            node: args.node,
            folds: args.folds,
        },
        None => PlanOutput::Plan {
            config: args.config.expect("clap requires --config"),
            output: args.output.expect("clap requires --output"),
            max_jobs: args.max_jobs,
        },
    };
    let job = PlanSplits {
        genome: args.genome,
        assembly_report: args.assembly_report,
        contig_table: args.contig_table,
        write,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
