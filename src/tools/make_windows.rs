//! make-windows: the genome in tiles, each with its split and composition, as Parquet (and
//! BED).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::assembly::Plan;
use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::regions::bed::{self, BedRecord};
use crate::regions::splits::{ChromList, Split, SplitConfig};
use crate::regions::windows::{self, TileSpec, WindowRow};
use crate::{Error, Result};

/// Tile the genome into windows and assign each to train, valid or test.
#[derive(Debug, Clone)]
pub struct MakeWindows {
    pub genome: PathBuf,
    /// The Parquet table written.
    pub output: PathBuf,
    /// The windows also as BED (chrom, start, end, split).
    pub bed: Option<PathBuf>,
    /// Where each contig's split comes from.
    pub splits: SplitSource,
    /// Settings over the split config's (a plan's too: its valid fraction and seed).
    pub overrides: SplitOverrides,
    pub tiles: TileSpec,
    /// Repeat BED for the n_repeat column (soft-masking without it).
    pub repeats: Option<PathBuf>,
    pub quiet: bool,
}

/// The splits: lists in a YAML config (or none, all from the overrides), or a plan.
#[derive(Debug, Clone)]
pub enum SplitSource {
    Lists {
        config: Option<PathBuf>,
    },
    /// plan-splits' table; with `fold`, that crossfit fold's run (`fold2` or `2`); the
    /// plan with each contig's windows is written to `splits_out`.
    Plan {
        plan: PathBuf,
        fold: Option<String>,
        splits_out: Option<PathBuf>,
    },
}

/// Settings over a split config's (`None`: the config's).
#[derive(Debug, Clone, Default)]
pub struct SplitOverrides {
    /// Comma-separated contigs, or `rest`.
    pub train: Option<String>,
    pub valid: Option<String>,
    pub test: Option<String>,
    pub valid_fraction: Option<f64>,
    pub seed: Option<u64>,
}

/// Every contig's split, the config of the splits, and the plan they came from.
struct Assignment {
    splits: SplitConfig,
    assigned: HashMap<String, Split>,
    plan: Option<Plan>,
}

impl MakeWindows {
    pub fn run(&self) -> Result<()> {
        self.check_outputs()?;
        let genome = Genome::open(&self.genome)?;
        let a = self.assignment(&genome)?;
        let rows = self.tile(&genome, &a.assigned, &a.splits)?;
        warn_unusable_splits(&rows, &a.assigned);
        if let (
            Some(plan),
            SplitSource::Plan {
                splits_out: Some(dest),
                ..
            },
        ) = (&a.plan, &self.splits)
        {
            plan.write_with_windows(&rows, self.tiles.max_unknown, dest)?;
        }
        self.write_outputs(&rows)
    }

    /// Refuses an output that is an input.
    fn check_outputs(&self) -> Result<()> {
        let (plan_in, splits_out, config) = match &self.splits {
            SplitSource::Plan {
                plan, splits_out, ..
            } => (Some(plan), splits_out.as_ref(), None),
            SplitSource::Lists { config, .. } => (None, None, config.as_ref()),
        };
        let inputs = [&self.genome]
            .into_iter()
            .chain(config)
            .chain(plan_in)
            .chain(&self.repeats);
        let outputs = [&self.output]
            .into_iter()
            .chain(&self.bed)
            .chain(splits_out);
        crate::io::refuse_overwrite(inputs, outputs)
    }

    /// The windows of every contig assigned to a split, with their repeat fractions.
    fn tile(
        &self,
        genome: &Genome,
        assigned: &HashMap<String, Split>,
        splits: &SplitConfig,
    ) -> Result<Vec<WindowRow>> {
        let repeats = self.repeats.as_ref().map(|p| bed::read_sets(p, genome));
        let repeats = repeats.transpose()?;
        let contigs = genome.contigs().len() as u64;
        let pb = crate::progress::bar(contigs, "make-windows", self.quiet);
        let rows = windows::make_windows_assigned(
            genome,
            &self.tiles,
            assigned,
            splits,
            repeats.as_ref(),
            |_| pb.inc(1),
        )?;
        pb.finish_and_clear();
        if rows.is_empty() {
            return Err(Error::Nothing(
                "no windows: no chromosome is in a split, or every window is mostly unknown bases"
                    .into(),
            ));
        }
        Ok(rows)
    }

    /// The split config and every contig's split: from the plan (with a fold, the fold's),
    /// or from the lists and the genome.
    fn assignment(&self, genome: &Genome) -> Result<Assignment> {
        Ok(match &self.splits {
            SplitSource::Plan { plan, fold, .. } => {
                let plan = Plan::read_tsv(plan)?;
                let assigned = match fold {
                    Some(f) => plan.fold_split_map(parse_fold(f)?),
                    None => plan.split_map(),
                };
                let splits = split_config(None, &self.overrides, true)?;
                Assignment {
                    splits,
                    assigned,
                    plan: Some(plan),
                }
            }
            SplitSource::Lists { config } => {
                let splits = split_config(config.as_deref(), &self.overrides, false)?;
                let assigned = splits.assign(genome)?;
                Assignment {
                    splits,
                    assigned,
                    plan: None,
                }
            }
        })
    }

    /// Writes the windows: the BED first (if asked for), then the Parquet table, the
    /// rule's main output.
    fn write_outputs(&self, rows: &[WindowRow]) -> Result<()> {
        let mut meta = Metadata::new();
        meta.insert("dnactx.kind".into(), "windows".into());
        meta.insert("dnactx.genome".into(), crate::io::file_name(&self.genome));
        meta.insert("dnactx.size".into(), self.tiles.size.to_string());
        meta.insert(
            "dnactx.max_unknown".into(),
            self.tiles.max_unknown.to_string(),
        );
        meta.insert("dnactx.version".into(), crate::VERSION.into());
        if let Some(bed_path) = &self.bed {
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
        windows::write_parquet(&self.output, rows, &meta)
    }
}

/// Warns about a split that has chromosomes but no A/C/G/T base in any of its windows:
/// every tool that uses it would find nothing to count, train on or score.
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
    s.strip_prefix("fold").unwrap_or(s).parse().map_err(|_| {
        Error::config(
            "--fold",
            format!("--fold '{s}': give a fold as fold1, fold2, ..."),
        )
    })
}

/// The splits of `config`, overridden; none at all is an error unless a plan gives them.
fn split_config(
    config: Option<&std::path::Path>,
    overrides: &SplitOverrides,
    from_plan: bool,
) -> Result<SplitConfig> {
    let mut cfg = match config {
        Some(p) => SplitConfig::from_yaml(p)?,
        None => SplitConfig::default(),
    };
    overrides.apply(&mut cfg);
    if cfg == SplitConfig::default() && !from_plan {
        return Err(Error::config(
            "--config",
            "no splits given: use --config or --train/--valid/--test (e.g. --train chr1 --test rest)",
        ));
    }
    Ok(cfg)
}

impl SplitOverrides {
    fn apply(&self, cfg: &mut SplitConfig) {
        if let Some(v) = &self.train {
            cfg.train = ChromList::from_flag(v);
        }
        if let Some(v) = &self.valid {
            cfg.valid = ChromList::from_flag(v);
        }
        if let Some(v) = &self.test {
            cfg.test = ChromList::from_flag(v);
        }
        if let Some(v) = self.valid_fraction {
            cfg.valid_fraction = v;
        }
        if let Some(v) = self.seed {
            cfg.seed = v;
        }
    }
}
