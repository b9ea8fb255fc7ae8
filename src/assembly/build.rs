//! Building the split plan: every contig's split, then its crossfit fold, then its scoring
//! job.

use super::folds::assign_folds;
use super::jobs::assign_jobs;
use super::plan::{ContigInfo, Plan, PlanRow, PlanSettings, assign_splits, refuse_unsure};
use crate::Result;

impl Plan {
    /// Assigns every contig a split, a fold and a job.
    pub fn build(contigs: Vec<ContigInfo>, settings: &PlanSettings) -> Result<Plan> {
        let include = settings.splits.included()?;
        refuse_unsure(&contigs, &include)?;
        let mut rows: Vec<PlanRow> = contigs
            .into_iter()
            .map(|info| PlanRow {
                info,
                split: None,
                fold: None,
                job: None,
                reason: String::new(),
            })
            .collect();
        assign_splits(&mut rows, &settings.splits, &include)?;
        if let Some(cf) = &settings.crossfit {
            assign_folds(&mut rows, cf, &include)?;
        }
        assign_jobs(&mut rows, settings.max_jobs.max(1));
        Ok(Plan { rows })
    }
}
