//! plan-splits: every contig's class, parent, split, crossfit fold and job as a table, or
//! a starting workflow config for a genome.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::assembly::{self, CrossfitConfig, Plan, PlanSettings, starter};
use crate::genome::Genome;
use crate::regions::splits::SplitConfig;
use crate::{Error, Result};

/// Class the genome's contigs, then plan a config's splits or write a starting config.
#[derive(Debug, Clone)]
pub struct PlanSplits {
    pub genome: PathBuf,
    /// An NCBI assembly report naming each contig's role.
    pub assembly_report: Option<PathBuf>,
    /// A contig table (contig, class[, parent]) over the names' classes.
    pub contig_table: Option<PathBuf>,
    pub write: PlanOutput,
    pub quiet: bool,
}

/// What plan-splits writes.
#[derive(Debug, Clone)]
pub enum PlanOutput {
    /// The plan of `config`'s splits and folds to `output` (`-`: standard output), in at
    /// most `max_jobs` jobs per split.
    Plan {
        config: PathBuf,
        output: PathBuf,
        max_jobs: usize,
    },
    /// A starting workflow config to `dest`, for a node of this kind and these folds.
    InitConfig {
        dest: PathBuf,
        node: starter::Node,
        folds: Option<usize>,
    },
}

impl PlanSplits {
    pub fn run(&self) -> Result<()> {
        let genome = Genome::open(&self.genome)?;
        let infos = self.classified(&genome)?;
        match &self.write {
            PlanOutput::InitConfig { dest, node, folds } => {
                self.init_config(dest, *node, *folds, &infos)
            }
            PlanOutput::Plan {
                config,
                output,
                max_jobs,
            } => self.plan(config, output, *max_jobs, infos),
        }
    }

    /// The genome's contigs, each classed by its name, length and the assembly report or
    /// contig table given.
    fn classified(&self, genome: &Genome) -> Result<Vec<assembly::ContigInfo>> {
        let contigs = genome.contig_lengths();
        let mut overrides = assembly::Overrides::new();
        if let Some(p) = &self.assembly_report {
            overrides.extend(assembly::read_assembly_report(p, &contigs)?);
        }
        if let Some(p) = &self.contig_table {
            overrides.extend(assembly::read_contig_table(p, &contigs)?);
        }
        Ok(assembly::classify(&contigs, &overrides))
    }

    /// A starting workflow config for the genome, written to `dest`.
    fn init_config(
        &self,
        dest: &Path,
        node: starter::Node,
        folds: Option<usize>,
        infos: &[assembly::ContigInfo],
    ) -> Result<()> {
        let text = starter::config_text(&starter::Starter {
            genome: &self.genome,
            dest,
            contigs: infos,
            node,
            folds,
            assembly_report: self.assembly_report.as_deref(),
            contig_table: self.contig_table.as_deref(),
        })?;
        write_text(dest, &text)?;
        eprintln!(
            "plan-splits: wrote {}; check its splits, then `snakemake -n`",
            dest.display()
        );
        Ok(())
    }

    /// The plan of the config's splits (and crossfit folds), to `out`.
    fn plan(
        &self,
        config: &Path,
        out: &Path,
        max_jobs: usize,
        infos: Vec<assembly::ContigInfo>,
    ) -> Result<()> {
        let settings = PlanSettings {
            splits: SplitConfig::from_yaml(config)?,
            crossfit: crossfit_section(config)?,
            max_jobs,
        };
        let plan = Plan::build(infos, &settings).map_err(|e| match e {
            Error::Config { setting, msg } => Error::Config {
                setting,
                msg: format!("the splits of {}: {msg}", self.genome.display()),
            },
            e => e,
        })?;
        if crate::io::is_stdio(out) {
            let mut stdout = std::io::stdout();
            stdout
                .write_all(plan.to_tsv().as_bytes())
                .map_err(|e| Error::io(out, e))?;
        } else {
            write_text(out, &plan.to_tsv())?;
        }
        if !self.quiet {
            eprintln!("splits of {}:\n{}", self.genome.display(), plan.summary());
        }
        Ok(())
    }
}

/// Writes `text` to `dest` atomically.
fn write_text(dest: &Path, text: &str) -> Result<()> {
    let mut out = crate::io::OutputFile::create(dest)?;
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io(dest, e))?;
    out.commit()
}

/// The `crossfit:` section of a YAML file, if it has one.
fn crossfit_section(path: &Path) -> Result<Option<CrossfitConfig>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| Error::invalid(path, e.to_string()))?;
    match value.get("crossfit") {
        None | Some(serde_yaml::Value::Null) => Ok(None),
        Some(v) => {
            Ok(Some(serde_yaml::from_value(v.clone()).map_err(|e| {
                Error::invalid(path, format!("crossfit: {e}"))
            })?))
        }
    }
}
