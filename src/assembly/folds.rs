//! Cross-fitting folds: each chromosome's fold, from the config's lists or spread over N
//! folds of about equal bases, placed contigs following their parents.

use std::collections::{HashMap, HashSet};

use super::class::ContigClass;
use super::plan::{CrossfitConfig, Folds, PlanRow, check_named, follow_parents, takes_rest};
use crate::{Error, Result};

/// Each row's crossfit fold (none without `crossfit.folds`), from the config's lists or
/// spread over its count; placed contigs follow their parents.
pub(super) fn assign_folds(
    rows: &mut [PlanRow],
    cf: &CrossfitConfig,
    include: &HashSet<ContigClass>,
) -> Result<()> {
    let fold_of = match &cf.folds {
        None => return Ok(()),
        Some(Folds::Lists(lists)) => listed_folds(rows, cf, lists)?,
        Some(Folds::Count(n)) => spread_folds(rows, cf, include, *n)?,
    };
    for r in rows.iter_mut() {
        r.fold = fold_of.get(&r.info.name).copied();
    }
    let show = |f: usize| format!("fold{f}");
    // the split's reasons stay; a fold that came with a parent says so
    follow_parents(
        rows,
        include,
        |r| r.fold,
        |r, f| r.fold = f,
        ("crossfit", show),
    )
}

/// The fold (1-based) of each chromosome the config's lists name, each in one fold.
fn listed_folds(
    rows: &[PlanRow],
    cf: &CrossfitConfig,
    lists: &[Vec<String>],
) -> Result<HashMap<String, usize>> {
    if cf.chroms.is_some() {
        return Err(Error::config(
            "crossfit.chroms",
            "crossfit.chroms is only for folds: N (the lists name them)",
        ));
    }
    let mut fold_of = HashMap::new();
    for (i, fold) in lists.iter().enumerate() {
        add_fold(&mut fold_of, rows, fold, i + 1)?;
    }
    Ok(fold_of)
}

/// Adds the chromosomes of fold `n` (1-based) to `fold_of`: at least one, each in the genome
/// and in no other fold.
fn add_fold(
    fold_of: &mut HashMap<String, usize>,
    rows: &[PlanRow],
    fold: &[String],
    n: usize,
) -> Result<()> {
    if fold.is_empty() {
        return Err(Error::config(
            "crossfit",
            format!("crossfit fold {n} has no chromosome"),
        ));
    }
    check_named(rows, fold, "crossfit.folds")?;
    for c in fold {
        if let Some(prev) = fold_of.insert(c.clone(), n) {
            return Err(Error::config(
                "crossfit",
                format!("crossfit chromosome '{c}' is in folds {prev} and {n}"),
            ));
        }
    }
    Ok(())
}

/// `n` folds of about equal bases: the chromosomes (crossfit.chroms, or those `rest` takes),
/// each weighed with the placed contigs that will follow it, the heaviest first into the
/// lightest fold.
fn spread_folds(
    rows: &[PlanRow],
    cf: &CrossfitConfig,
    include: &HashSet<ContigClass>,
    n: usize,
) -> Result<HashMap<String, usize>> {
    let eligible = eligible(rows, cf, include)?;
    if n == 0 || n > eligible.len() {
        return Err(Error::config(
            "crossfit.folds",
            format!(
                "crossfit.folds is {n} but there are {} chromosomes to spread",
                eligible.len()
            ),
        ));
    }
    let mut order: Vec<(&str, u64)> = with_followers(rows, &eligible, include)
        .into_iter()
        .collect();
    order.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| genome_pos(rows, a.0).cmp(&genome_pos(rows, b.0)))
    });
    Ok(lightest_first(order, n))
}

/// The fold (1-based) of each chromosome of `order` (with its weight), each put in the
/// lightest of `n` folds so far.
fn lightest_first(order: Vec<(&str, u64)>, n: usize) -> HashMap<String, usize> {
    let mut totals = vec![0u64; n];
    let mut fold_of = HashMap::new();
    for (c, w) in order {
        let i = (0..n).min_by_key(|&i| totals[i]).unwrap();
        totals[i] += w;
        fold_of.insert(c.to_string(), i + 1);
    }
    fold_of
}

/// The chromosomes to spread over folds: crossfit.chroms, or those `rest` takes.
fn eligible<'a>(
    rows: &'a [PlanRow],
    cf: &CrossfitConfig,
    include: &HashSet<ContigClass>,
) -> Result<Vec<&'a PlanRow>> {
    Ok(match &cf.chroms {
        Some(names) => {
            check_named(rows, names, "crossfit.chroms")?;
            let set: HashSet<&String> = names.iter().collect();
            rows.iter().filter(|r| set.contains(&r.info.name)).collect()
        }
        None => rows
            .iter()
            .filter(|r| takes_rest(r.info.class, include))
            .collect(),
    })
}

/// The bases of each `eligible` chromosome with those of the placed contigs (of the
/// included classes) that will follow it.
fn with_followers<'a>(
    rows: &[PlanRow],
    eligible: &[&'a PlanRow],
    include: &HashSet<ContigClass>,
) -> HashMap<&'a str, u64> {
    let mut weight: HashMap<&str, u64> = eligible
        .iter()
        .map(|r| (r.info.name.as_str(), r.info.len))
        .collect();
    let followers = rows
        .iter()
        .filter(|r| r.info.class.follows_parent() && include.contains(&r.info.class));
    for r in followers {
        if let Some(w) = r.info.parent.as_deref().and_then(|p| weight.get_mut(p)) {
            *w += r.info.len;
        }
    }
    weight
}

fn genome_pos(rows: &[PlanRow], name: &str) -> usize {
    rows.iter()
        .position(|r| r.info.name == name)
        .unwrap_or(usize::MAX)
}
