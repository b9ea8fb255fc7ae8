//! One entry per binary: what each tool does, as a job of plain paths and settings whose
//! `run` does the whole of it (checks its outputs, opens its inputs, does the work, writes
//! and reports). The command-line layer ([`crate::cli`]) only turns arguments into a job;
//! a workflow or another program can build one directly.

pub mod count_kmers;
#[cfg(feature = "torch")]
pub mod embed_regions;
pub mod explain_flanks;
pub mod find_copies;
pub mod index_genome;
pub mod make_windows;
pub mod mask_repeats;
pub mod merge_scores;
pub mod plan_splits;
pub mod prepare_genome;
pub mod query_index;
pub mod score_genome;
pub mod score_variants;
#[cfg(feature = "torch")]
pub mod train_model;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::genome::Genome;
use crate::regions::IntervalSet;
use crate::regions::splits::Split;
use crate::{Error, Result};

/// One job of a split plan (plan-splits' table): the workflow names a job's contigs this
/// way instead of listing them, so that names with commas, `*` or `:` pass unchanged and a
/// job with nothing left to do is no error.
#[derive(Debug, Clone)]
pub struct PlanJob {
    /// The plan (the workflow's results/plan.tsv).
    pub plan: PathBuf,
    /// The job's name in it.
    pub job: String,
}

/// The positions a tool works on: the `split` windows of `windows`, or the BED `bed`, on
/// the contigs of `plan_job` or `chroms` (all when neither).
#[derive(Debug, Clone)]
pub struct RegionChoice {
    pub windows: Option<PathBuf>,
    pub split: Split,
    pub bed: Option<PathBuf>,
    /// Contig names, one per entry (no commas to split).
    pub chroms: Vec<String>,
    pub plan_job: Option<PlanJob>,
}

impl RegionChoice {
    /// The files the choice reads.
    pub fn inputs(&self) -> impl Iterator<Item = &PathBuf> {
        let plan = self.plan_job.as_ref().map(|j| &j.plan);
        self.windows.iter().chain(&self.bed).chain(plan)
    }

    /// The contigs to work on: the plan job's, else `chroms` (empty: all).
    pub fn contigs(&self) -> Result<Vec<String>> {
        let Some(PlanJob { plan, job }) = &self.plan_job else {
            return Ok(self.chroms.clone());
        };
        crate::assembly::Plan::read_tsv(plan)?.job_contigs(job)
    }

    /// The positions chosen; `what` names the work in the error when nothing is left
    /// ("score", "search").
    pub fn choose(&self, genome: &Genome, what: &str) -> Result<HashMap<String, IntervalSet>> {
        let chroms = self.contigs()?;
        let out = self.positions(genome, &chroms)?;
        if out.values().any(|s| s.covered() > 0) {
            return Ok(out);
        }
        self.empty_job(chroms, what)
    }

    /// The positions of the windows or the BED on `chroms` (all when empty), which may be
    /// none.
    pub fn positions(
        &self,
        genome: &Genome,
        chroms: &[String],
    ) -> Result<HashMap<String, IntervalSet>> {
        genome.check_names(chroms.iter().map(String::as_str), "--chrom")?;
        let mut out = crate::regions::windows::windows_or_bed(
            genome,
            self.windows.as_deref(),
            self.split,
            self.bed.as_deref(),
        )?;
        if !chroms.is_empty() {
            out.retain(|c, _| chroms.contains(c));
        }
        Ok(out)
    }

    /// Where the positions came from, for outputs' metadata: the windows and split, or the
    /// BED.
    pub fn label(&self) -> String {
        match (&self.windows, &self.bed) {
            (Some(w), _) => format!("{} split={}", w.display(), self.split),
            (_, Some(r)) => r.display().to_string(),
            _ => String::new(),
        }
    }

    /// No region on the chosen contigs: an error, except in a job of the plan (its contigs
    /// all N, or without windows), which gets empty outputs and a warning.
    fn empty_job(&self, chroms: Vec<String>, what: &str) -> Result<HashMap<String, IntervalSet>> {
        let Some(PlanJob { job, .. }) = &self.plan_job else {
            return Err(Error::Nothing(format!(
                "nothing to {what}: no regions on the chosen chromosomes"
            )));
        };
        crate::progress::warn(format_args!(
            "nothing to {what} in job {job}: no regions on {}",
            chroms.join(", ")
        ));
        Ok(chroms
            .into_iter()
            .map(|c| (c, Default::default()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::mask_repeats::MaskRepeats;
    use super::*;
    use crate::repeats::DustParams;

    /// A two-contig FASTA in `dir`: c1 with a soft-masked run, c2 all N.
    fn genome(dir: &std::path::Path) -> PathBuf {
        let path = dir.join("g.fa");
        let c1 = "ACGTACGTTTGACCAacgtacgtaGGCATCGATCGGATCCA".repeat(3);
        std::fs::write(&path, format!(">c1\n{c1}\n>c2\n{}\n", "N".repeat(50))).unwrap();
        path
    }

    fn mask(dir: &std::path::Path, window: usize) -> MaskRepeats {
        MaskRepeats {
            genome: genome(dir),
            output: dir.join("r.bed"),
            softmask: true,
            dust: Some(DustParams {
                window,
                threshold: 20,
            }),
            beds: Vec::new(),
            quiet: true,
        }
    }

    #[test]
    fn a_job_runs_without_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        mask(dir.path(), 64).run().unwrap();
        let bed = std::fs::read_to_string(dir.path().join("r.bed")).unwrap();
        // the soft-masked run of the first copy, unless DUST joined it to more
        assert!(
            bed.starts_with("c1\t") && bed.contains("\t24\n") || bed.contains("c1\t15\t"),
            "{bed}"
        );
    }

    #[test]
    fn a_bad_setting_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        match mask(dir.path(), 2).run() {
            Err(Error::Config { setting, msg }) => {
                assert_eq!(setting, "--dust-window");
                assert!(msg.contains("at least 4"), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!dir.path().join("r.bed").exists());
    }

    #[test]
    fn no_region_is_nothing_to_do_except_in_a_plan_job() {
        let dir = tempfile::tempdir().unwrap();
        let g = Genome::open(&genome(dir.path())).unwrap();
        let bed = dir.path().join("c2.bed");
        std::fs::write(&bed, "c1\t0\t10\n").unwrap();
        let mut choice = RegionChoice {
            windows: None,
            split: Split::Test,
            bed: Some(bed),
            chroms: vec!["c2".into()],
            plan_job: None,
        };
        match choice.choose(&g, "score") {
            Err(Error::Nothing(msg)) => assert!(msg.contains("nothing to score"), "{msg}"),
            other => panic!("{other:?}"),
        }
        let plan = dir.path().join("plan.tsv");
        let header = "contig\tlength\tclass\tparent\tsplit\tfold\tjob\treason";
        std::fs::write(
            &plan,
            format!("{header}\nc2\t50\tprimary\t.\ttest\t.\ttest.c2\t.\n"),
        )
        .unwrap();
        choice.plan_job = Some(PlanJob {
            plan,
            job: "test.c2".into(),
        });
        let chosen = choice.choose(&g, "score").unwrap();
        assert_eq!(chosen.keys().collect::<Vec<_>>(), ["c2"]);
        assert_eq!(chosen["c2"].covered(), 0);
    }
}
