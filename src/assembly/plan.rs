//! The split plan: every contig's class, parent, split, crossfit fold and scoring job, with
//! the reason, built so that nothing leaks. `rest` takes primary sequence (and the classes a
//! config includes); alts, fixes, decoys, HLA alleles and random contigs follow their parent
//! into its split and fold or stay out; a config that separates one from its parent is
//! refused. Written as `splits.tsv` for the workflow, the tools and the report.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use super::class::ContigClass;
pub use super::contigs::{ContigInfo, classify};
use crate::genome::Genome;
use crate::regions::splits::{ChromList, REST, Split, SplitConfig};
use crate::{Error, Result};

/// What a split config means for a genome's contigs: its classes and every contig's split
/// (here, beside the plan that decides them, so that `regions` need not know assemblies).
impl SplitConfig {
    /// The classes of `include`, checked.
    pub fn included(&self) -> Result<HashSet<ContigClass>> {
        self.include
            .iter()
            .map(|c| {
                c.parse()
                    .map_err(|e| Error::config("splits.include", format!("splits.include: {e}")))
            })
            .collect()
    }

    /// The split of every contig of `genome` (contigs in no split are left out): named
    /// contigs where they are named, `rest` over primary sequence and the included classes,
    /// placed contigs with their parents ([`Plan`]).
    pub fn assign(&self, genome: &Genome) -> Result<HashMap<String, Split>> {
        if !(0.0..=1.0).contains(&self.valid_fraction) {
            return Err(Error::config(
                "valid_fraction",
                format!(
                    "valid_fraction must lie in [0, 1], got {}",
                    self.valid_fraction
                ),
            ));
        }
        let contigs = classify(&genome.contig_lengths(), &Default::default());
        let settings = PlanSettings {
            splits: self.clone(),
            crossfit: None,
            max_jobs: 1,
        };
        let plan = Plan::build(contigs, &settings).map_err(|e| match e {
            Error::Config { setting, msg } => Error::Config {
                setting,
                msg: msg.replace(
                    "the genome lacks",
                    &format!("{} lacks", genome.path().display()),
                ),
            },
            e => e,
        })?;
        Ok(plan.split_map())
    }
}

/// The `crossfit:` section of a workflow config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossfitConfig {
    pub folds: Option<Folds>,
    /// Only these contigs (with `folds: N`); every eligible contig by default.
    #[serde(default)]
    pub chroms: Option<Vec<String>>,
}

/// `folds: 3` (balanced by length) or `folds: [[chr1, chr2], [chr3]]` (named).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Folds {
    Count(usize),
    Lists(Vec<Vec<String>>),
}

/// One contig's row of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub info: ContigInfo,
    pub split: Option<Split>,
    /// 1-based crossfit fold.
    pub fold: Option<usize>,
    /// The job that counts or scores it (contigs of one split and fold packed together).
    pub job: Option<String>,
    pub reason: String,
}

/// Every contig's assignment, in genome order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub rows: Vec<PlanRow>,
}

/// What a plan is built from.
#[derive(Debug, Clone, Default)]
pub struct PlanSettings {
    pub splits: SplitConfig,
    pub crossfit: Option<CrossfitConfig>,
    /// About how many jobs the assigned contigs are packed into (large contigs alone).
    pub max_jobs: usize,
}

impl Plan {
    /// The split of every contig in one.
    pub fn split_map(&self) -> HashMap<String, Split> {
        self.rows
            .iter()
            .filter_map(|r| r.split.map(|s| (r.info.name.clone(), s)))
            .collect()
    }

    /// The splits of a crossfit fold's run: its own contigs test, every other fold's train.
    pub fn fold_split_map(&self, fold: usize) -> HashMap<String, Split> {
        let split = |f: usize| if f == fold { Split::Test } else { Split::Train };
        self.rows
            .iter()
            .filter_map(|r| r.fold.map(|f| (r.info.name.clone(), split(f))))
            .collect()
    }

    /// The contigs of a job, in genome order (an error names the jobs there are).
    pub fn job_contigs(&self, job: &str) -> Result<Vec<String>> {
        let out: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.job.as_deref() == Some(job))
            .map(|r| r.info.name.clone())
            .collect();
        if out.is_empty() {
            let mut jobs: Vec<&str> = self.rows.iter().filter_map(|r| r.job.as_deref()).collect();
            jobs.dedup();
            return Err(Error::config(
                "--job",
                format!("the plan has no job '{job}'; it has: {}", shorten(&jobs)),
            ));
        }
        Ok(out)
    }

    /// The plan as a tab-separated table with a header line.
    pub fn to_tsv(&self) -> String {
        let mut s = String::from("contig\tlength\tclass\tparent\tsplit\tfold\tjob\treason\n");
        for r in &self.rows {
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.info.name,
                r.info.len,
                r.info.class,
                r.info.parent.as_deref().unwrap_or("."),
                r.split.map_or("excluded", Split::as_str),
                r.fold.map_or(".".into(), |f| format!("fold{f}")),
                r.job.as_deref().unwrap_or("."),
                r.reason
            );
        }
        s
    }

    /// Reads a table written by [`Plan::to_tsv`] (extra columns after `reason` ignored).
    pub fn read_tsv(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let rows = text.lines().enumerate().skip(1);
        let rows = rows
            .map(|(i, line)| PlanRow::parse(line).map_err(|msg| Error::parse(path, i + 1, msg)));
        Ok(Plan {
            rows: rows.collect::<Result<_>>()?,
        })
    }

    /// A few lines for the terminal: bases and contigs per split, fold and left-out class,
    /// and the number of jobs.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for (key, n, len) in self.summary_groups() {
            let _ = writeln!(s, "  {key:<24} {n:>7} contigs {:>16} bases", len);
        }
        let jobs: HashSet<&str> = self.rows.iter().filter_map(|r| r.job.as_deref()).collect();
        let _ = write!(s, "  {} jobs per model and step", jobs.len());
        s
    }
}

impl Plan {
    /// The contigs and bases of each split, fold and left-out class, the splits and folds
    /// first.
    fn summary_groups(&self) -> Vec<(String, usize, u64)> {
        let mut groups: Vec<(String, usize, u64)> = Vec::new();
        let mut add = |key: String, len: u64| match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => {
                g.1 += 1;
                g.2 += len;
            }
            None => groups.push((key, 1, len)),
        };
        for r in &self.rows {
            let key = match r.split {
                Some(s) => format!("{s}"),
                None => format!("left out: {}", r.info.class),
            };
            add(key, r.info.len);
            if let Some(f) = r.fold {
                add(format!("crossfit fold{f}"), r.info.len);
            }
        }
        groups.sort_by_key(|g| (g.0.starts_with("left"), g.0.clone()));
        groups
    }
}

impl PlanRow {
    /// A line of the plan's TSV; what is wrong with it, when it is bad.
    fn parse(line: &str) -> std::result::Result<PlanRow, BadPlanLine> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 8 {
            return Err(BadPlanLine(format!("{} columns, a plan has 8", f.len())));
        }
        let fold = parse_fold(f[5])?;
        let split = match f[4] {
            "excluded" => None,
            s => Some(Split::parse(s).ok_or_else(|| BadPlanLine::value("split", s))?),
        };
        Ok(PlanRow {
            info: parse_info(&f)?,
            split,
            fold,
            job: dot_none(f[6]),
            reason: f[7].to_string(),
        })
    }
}

/// A plan's fold column: `.` for none, or `foldN`.
fn parse_fold(s: &str) -> std::result::Result<Option<usize>, BadPlanLine> {
    match s {
        "." => Ok(None),
        s => Ok(Some(
            (s.strip_prefix("fold").and_then(|n| n.parse().ok()))
                .ok_or_else(|| BadPlanLine::value("fold", s))?,
        )),
    }
}

/// The contig a plan line's fields `f` describe: name, length, class and parent.
fn parse_info(f: &[&str]) -> std::result::Result<ContigInfo, BadPlanLine> {
    Ok(ContigInfo {
        name: f[0].to_string(),
        len: f[1]
            .parse()
            .map_err(|_| BadPlanLine::value("length", f[1]))?,
        class: f[2]
            .parse()
            .map_err(|e: Error| BadPlanLine(e.to_string()))?,
        parent: dot_none(f[3]),
        unsure: false,
    })
}

/// A plan's optional column: `None` for `.`.
fn dot_none(s: &str) -> Option<String> {
    (s != ".").then(|| s.to_string())
}

/// What is wrong with a line of a plan's TSV.
struct BadPlanLine(String);

impl BadPlanLine {
    /// A bad value `s` of the column `what`.
    fn value(what: &str, s: &str) -> BadPlanLine {
        BadPlanLine(format!("{what} '{s}'"))
    }
}

impl From<BadPlanLine> for String {
    fn from(b: BadPlanLine) -> String {
        b.0
    }
}

fn shorten(names: &[&str]) -> String {
    match names.len() {
        0..=20 => names.join(", "),
        n => format!("{}, ... ({n} in all)", names[..20].join(", ")),
    }
}

/// Checks that every named contig is in the genome; the error suggests a name that differs
/// only in case.
pub(super) fn check_named<'a>(
    rows: &[PlanRow],
    names: impl IntoIterator<Item = &'a String>,
    what: &str,
) -> Result<()> {
    let have: HashSet<&str> = rows.iter().map(|r| r.info.name.as_str()).collect();
    let missing: Vec<String> = names
        .into_iter()
        .filter(|n| !have.contains(n.as_str()))
        .map(|n| missing_name(rows, n))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let all: Vec<&str> = rows.iter().map(|r| r.info.name.as_str()).collect();
    Err(Error::config(
        what,
        format!(
            "{what} names contig(s) the genome lacks: {}; it has: {}",
            missing.join(", "),
            shorten(&all)
        ),
    ))
}

/// A name the genome lacks, with a contig's name that differs only in case when there is one.
fn missing_name(rows: &[PlanRow], n: &String) -> String {
    match rows.iter().find(|r| r.info.name.eq_ignore_ascii_case(n)) {
        Some(r) => format!(
            "{n} (did you mean {}? names are case-sensitive)",
            r.info.name
        ),
        None => n.clone(),
    }
}

/// Is a contig taken by `rest` (and by crossfit's default)?
pub(super) fn takes_rest(class: ContigClass, include: &HashSet<ContigClass>) -> bool {
    class == ContigClass::Primary || (include.contains(&class) && !class.follows_parent())
}

/// Refuses to take unplaced contigs while some of them may be alt haplotypes (NCBI
/// scaffolds without an assembly report): one would enter a split apart from its parent.
pub(super) fn refuse_unsure(contigs: &[ContigInfo], include: &HashSet<ContigClass>) -> Result<()> {
    if !include.contains(&ContigClass::Unplaced) {
        return Ok(());
    }
    let unsure: Vec<&str> = contigs
        .iter()
        .filter(|c| c.unsure && c.class == ContigClass::Unplaced)
        .map(|c| c.name.as_str())
        .collect();
    if unsure.is_empty() {
        return Ok(());
    }
    Err(Error::config(
        "splits.include",
        format!(
            "splits.include takes unplaced contigs, but {} NCBI scaffolds ({}) may be unplaced, \
         unlocalised or alt haplotypes, which their names do not tell: give the assembly's \
         *_assembly_report.txt (config assembly_report, plan-splits --assembly-report) or a \
         contig table (contig_table) that places them, or leave unplaced out of splits.include",
            unsure.len(),
            shorten(&unsure)
        ),
    ))
}

pub(super) fn assign_splits(
    rows: &mut [PlanRow],
    cfg: &SplitConfig,
    include: &HashSet<ContigClass>,
) -> Result<()> {
    let (named, rest) = named_splits(rows, cfg)?;
    for r in rows.iter_mut() {
        assign_split(r, &named, rest, include);
    }
    let show = |s: Split| format!("{s}");
    follow_parents(
        rows,
        include,
        |r| r.split,
        |r, s| r.split = s,
        ("splits", show),
    )
}

/// Puts `r` in the split that names it, else in the `rest` split when that takes its class,
/// with the reason.
fn assign_split(
    r: &mut PlanRow,
    named: &HashMap<String, Split>,
    rest: Option<Split>,
    include: &HashSet<ContigClass>,
) {
    let class = r.info.class;
    if let Some(&s) = named.get(&r.info.name) {
        r.split = Some(s);
        r.reason = format!("named in splits.{s}");
    } else if !takes_rest(class, include) {
        r.reason = left_out(&r.info, include);
    } else if let Some(s) = rest {
        r.split = Some(s);
        r.reason = format!("{} (splits.{s}: rest)", class.describe());
    } else {
        r.reason = "named in no split".into();
    }
}

/// The split of each chromosome the splits' lists name (each in one split), and the split
/// that takes the rest, if one does.
fn named_splits(
    rows: &[PlanRow],
    cfg: &SplitConfig,
) -> Result<(HashMap<String, Split>, Option<Split>)> {
    let mut named: HashMap<String, Split> = HashMap::new();
    let mut rest = None;
    for split in Split::ALL {
        match cfg.list(split) {
            ChromList::Keyword(k) if k == REST => {
                if let Some(other) = rest.replace(split) {
                    return Err(Error::config(
                        "splits",
                        format!("only one split may be '{REST}', but {other} and {split} both are"),
                    ));
                }
            }
            ChromList::Keyword(k) => {
                return Err(Error::config(
                    "splits",
                    format!("split {split}: '{k}' is neither a list of chromosomes nor '{REST}'"),
                ));
            }
            ChromList::List(names) => add_named(&mut named, rows, names, split)?,
        }
    }
    Ok((named, rest))
}

/// Adds the chromosomes `names` of `split` to `named`, each checked to be in the genome and
/// in no other split.
fn add_named(
    named: &mut HashMap<String, Split>,
    rows: &[PlanRow],
    names: &[String],
    split: Split,
) -> Result<()> {
    check_named(rows, names, &format!("split {split}"))?;
    for n in names {
        if let Some(prev) = named.insert(n.clone(), split) {
            return Err(Error::config(
                "splits",
                format!("chromosome {n} is in two splits: {prev} and {split}"),
            ));
        }
    }
    Ok(())
}

/// Why a contig that no list names stays out.
pub(super) fn left_out(info: &ContigInfo, include: &HashSet<ContigClass>) -> String {
    let class = info.class;
    let of = info
        .parent
        .as_deref()
        .map(|p| format!(" of {p}"))
        .unwrap_or_default();
    if include.contains(&class) {
        return format!("{}{of}, whose parent is in no split", class.describe());
    }
    format!(
        "{}{of}: left out by default (splits.include: [{class}] takes it{})",
        class.describe(),
        if class.follows_parent() {
            " with its parent"
        } else {
            ""
        }
    )
}

/// Puts included placed contigs where their parents are, and refuses a named one that
/// a config separated from its parent, or whose parent is unknown.
pub(super) fn follow_parents<T: Copy + PartialEq>(
    rows: &mut [PlanRow],
    include: &HashSet<ContigClass>,
    get: impl Fn(&PlanRow) -> Option<T>,
    set: impl Fn(&mut PlanRow, Option<T>),
    (what, show): (&str, impl Fn(T) -> String),
) -> Result<()> {
    let place: HashMap<String, Option<T>> =
        rows.iter().map(|r| (r.info.name.clone(), get(r))).collect();
    let mut orphans = Vec::new();
    for r in rows.iter_mut().filter(|r| r.info.class.follows_parent()) {
        let named = get(r).is_some();
        if !named && !include.contains(&r.info.class) {
            continue;
        }
        let Some(parent) = r.info.parent.clone() else {
            orphans.push(format!("{} ({})", r.info.name, r.info.class));
            continue;
        };
        let theirs = place.get(&parent).copied().flatten();
        match (get(r), theirs) {
            (Some(mine), Some(p)) if mine != p => {
                return Err(apart(what, r, (show(mine), &parent, show(p))));
            }
            (Some(_), _) => {}
            (None, Some(p)) => {
                set(r, Some(p));
                r.reason = format!("{} with its parent {parent}", r.info.class.describe());
            }
            (None, None) => r.reason = left_out(&r.info, include),
        }
    }
    if orphans.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = orphans.iter().map(String::as_str).collect();
    Err(Error::config(
        what,
        format!(
            "{what}: these contigs copy or sit on a chromosome their names do not give, so they cannot follow it: {}; \
         place them with a contig table (contig<TAB>class<TAB>parent) or an NCBI assembly report, or leave their classes out of splits.include",
            shorten(&names)
        ),
    ))
}

/// The error of a placed contig `r` put apart from its parent: (where `r` is, the parent,
/// where the parent is), in `what` (splits or crossfit).
fn apart(what: &str, r: &PlanRow, (mine, parent, theirs): (String, &str, String)) -> Error {
    Error::config(
        what,
        format!(
            "{what}: {} ({}) is put in {mine} but its parent {parent} in {theirs}: a copy of a chromosome must go where the chromosome goes, or training leaks into testing",
            r.info.name,
            r.info.class.describe(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::{Given, Overrides};

    fn settings(yaml: &str) -> PlanSettings {
        PlanSettings {
            splits: serde_yaml::from_str(yaml).unwrap(),
            crossfit: None,
            max_jobs: 24,
        }
    }

    fn contigs(names: &[&str]) -> Vec<(String, u64)> {
        names.iter().map(|n| (n.to_string(), 2_000_000)).collect()
    }

    #[test]
    fn a_scaffold_level_assembly_is_primary_sequence() {
        let infos = classify(
            &contigs(&["NW_1.1", "NW_2.1", "KI270728.1"]),
            &Overrides::new(),
        );
        assert!(
            infos
                .iter()
                .all(|c| c.class == ContigClass::Primary && !c.unsure)
        );
        let plan = Plan::build(infos, &settings("{train: rest, test: [NW_2.1]}")).unwrap();
        assert_eq!(plan.split_map().len(), 3);
        // beside chromosomes, NCBI scaffolds stay unplaced (and unsure)
        let infos = classify(
            &contigs(&["NC_000001.11", "NT_187361.1"]),
            &Overrides::new(),
        );
        assert_eq!(infos[1].class, ContigClass::Unplaced);
        assert!(infos[1].unsure);
    }

    #[test]
    fn unplaced_ncbi_scaffolds_need_a_report_to_be_included() {
        let names = contigs(&[
            "NC_000001.11",
            "NC_000002.12",
            "NT_187361.1",
            "NW_003315905.1",
        ]);
        let cfg = "{train: rest, test: [NC_000002.12], include: [unplaced]}";
        let e = Plan::build(classify(&names, &Overrides::new()), &settings(cfg))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("NT_187361.1, NW_003315905.1") && e.contains("assembly_report"),
            "{e}"
        );
        // left out by default, no report needed
        let plan = Plan::build(
            classify(&names, &Overrides::new()),
            &settings("{train: rest, test: [NC_000002.12]}"),
        )
        .unwrap();
        assert_eq!(plan.split_map().len(), 2);
        // a report that places them settles it: the alt, when included, goes with its parent
        let mut given = Overrides::new();
        given.insert(
            "NT_187361.1".into(),
            Given {
                class: ContigClass::Unplaced,
                parent: None,
            },
        );
        given.insert(
            "NW_003315905.1".into(),
            Given {
                class: ContigClass::Alt,
                parent: Some("NC_000001.11".into()),
            },
        );
        let with_alts = "{train: rest, test: [NC_000002.12], include: [unplaced, alt]}";
        let plan = Plan::build(classify(&names, &given), &settings(with_alts)).unwrap();
        let m = plan.split_map();
        assert_eq!(m["NW_003315905.1"], m["NC_000001.11"]);
        assert_eq!(m["NT_187361.1"], Split::Train);
    }
}
