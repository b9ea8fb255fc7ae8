//! Scoring jobs: the contigs of each split and fold packed into jobs of about equal bases,
//! each named after its contig or `packN`.

use std::collections::{HashMap, HashSet};

use super::plan::PlanRow;
use crate::regions::splits::Split;

/// Packs the contigs of each (split, fold) into jobs: contigs of at least the target size
/// alone, smaller ones together (in genome order) up to it, the target being the assigned
/// bases over `max_jobs` (at least 1 Mb). A job of one contig is named after it (characters
/// that are not `[A-Za-z0-9._-]` as `_`), a larger one `packN`; names are unique ignoring case.
pub(super) fn assign_jobs(rows: &mut [PlanRow], max_jobs: usize) {
    let mut taken: HashSet<String> = HashSet::new();
    let mut packs = 0;
    for members in pack_jobs(rows, max_jobs) {
        let base = if members.len() == 1 {
            safe_name(&rows[members[0]].info.name)
        } else {
            packs += 1;
            format!("pack{packs}")
        };
        let mut name = base.clone();
        let mut n = 1;
        while !taken.insert(name.to_ascii_lowercase()) {
            n += 1;
            name = format!("{base}.{n}");
        }
        for i in members {
            rows[i].job = Some(name.clone());
        }
    }
}

/// The rows of each job: contigs of at least the target size (the assigned bases over
/// `max_jobs`, at least 1 Mb) alone, smaller ones of one split and fold packed together up
/// to it.
fn pack_jobs(rows: &[PlanRow], max_jobs: usize) -> Vec<Vec<usize>> {
    let assigned = |r: &PlanRow| r.split.is_some() || r.fold.is_some();
    let target = job_target(rows, max_jobs);
    let mut jobs: Vec<Vec<usize>> = Vec::new();
    let mut open: HashMap<(Option<Split>, Option<usize>), (usize, u64)> = HashMap::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| assigned(r)) {
        let key = (r.split, r.fold);
        let len = r.info.len;
        match open.get_mut(&key) {
            Some((j, sum)) if len < target && *sum + len <= target => {
                jobs[*j].push(i);
                *sum += len;
            }
            _ => {
                jobs.push(vec![i]);
                if len < target {
                    open.insert(key, (jobs.len() - 1, len));
                }
            }
        }
    }
    jobs
}

/// The bases a job aims at: the bases of the rows with a split or fold over `max_jobs`, at
/// least 1 Mb.
fn job_target(rows: &[PlanRow], max_jobs: usize) -> u64 {
    let total: u64 = rows
        .iter()
        .filter(|r| r.split.is_some() || r.fold.is_some())
        .map(|r| r.info.len)
        .sum();
    total.div_ceil(max_jobs as u64).max(1_000_000)
}

/// A contig name as a file name and Snakemake wildcard: `[A-Za-z0-9._-]` kept, the rest `_`.
pub fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with("pack") {
        format!("_{s}")
    } else {
        s
    }
}
