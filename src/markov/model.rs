//! The bidirectional Markov model over an FMD-index, as a [`Predictor`].
//!
//! For a position with left context `L_j` and right context `R_j` (j bases each side),
//! `n_j(b)` is the number of occurrences of `L_j b R_j` in the index, both strands; `N_j`
//! their sum. From `p_{j0-1}(b) = 1/4`, with `j0 = min(min_order, c)`:
//!
//! `p_j(b) = (n_j(b) + alpha * p_{j-1}(b)) / (N_j + alpha)` for `j = j0..=c`,
//!
//! where `c <= k` is the largest order whose whole window is A/C/G/T inside the contig. The
//! index holds both strands, so `n_j` is the same for a context and its reverse complement:
//! the model is strand-symmetric by construction. Leave-one-out: a position whose order-j
//! window lies inside an indexed run has its own occurrence (and that of its reverse
//! complement, which counts here only when `L_j` is the reverse complement of `R_j`)
//! subtracted at that order. Once no occurrence is left, higher orders change nothing
//! (`p_j = p_{j-1}`), so extension stops there.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use super::index::{FmdIndex, Run};
use super::lookup::{self, Chain, Predict, Query, Reach};
use super::low::LowOrders;
use super::verify::ContigCheck;
use crate::genome::encode;
use crate::predict::{Locus, NO_PREDICTION, Predictor, Probs};

/// Largest supported order (bases each side).
pub const K_MAX: usize = 16;

/// How the model predicts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkovSettings {
    /// Largest order k (bases each side).
    pub k: usize,
    /// Weight of the lower order's prediction (a pseudocount spread as that prediction).
    pub alpha: f64,
    /// The lowest order j0 of the interpolation chain.
    pub min_order: usize,
    /// Leave each indexed position's own occurrence out when scoring it.
    pub leave_one_out: bool,
}

impl MarkovSettings {
    /// The defaults, chosen on the demo genome's valid windows (held out of the index; see
    /// docs/benchmarks.md): accuracy and bits improve with k up to 16; alpha 24 has the
    /// best bits (32 the best accuracy, by 0.001); starting the chain above order 0 only
    /// loses (orders below about 4 are so well counted that alpha hardly moves them).
    pub const DEFAULT_K: usize = 16;
    pub const DEFAULT_ALPHA: f64 = 24.0;
    pub const DEFAULT_MIN_ORDER: usize = 0;

    /// Checks the settings (`--max-order`, `--alpha`, `--min-order`).
    pub fn check(&self) -> crate::Result<()> {
        if !(1..=K_MAX).contains(&self.k) {
            return Err(crate::Error::config(
                "--max-order",
                format!(
                    "order k = {} is not supported by an FM-index model: 1..={K_MAX}",
                    self.k
                ),
            ));
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err(crate::Error::config(
                "--alpha",
                format!("alpha must be above 0, got {}", self.alpha),
            ));
        }
        if self.min_order > self.k {
            return Err(crate::Error::config(
                "--min-order",
                format!("min order {} is above k = {}", self.min_order, self.k),
            ));
        }
        Ok(())
    }
}

/// For each position of a chunk, the largest order (capped at `k`) whose window around it is
/// all A/C/G/T: the clean bases on its left and on its right, the fewer of the two.
pub(super) fn clean_orders(chunk: &[u8], k: usize) -> Vec<usize> {
    let mut left = vec![0usize; chunk.len()];
    let mut run = 0;
    for (i, &c) in chunk.iter().enumerate() {
        left[i] = run.min(k);
        run = if encode::is_acgt(c) { run + 1 } else { 0 };
    }
    run = 0;
    for (i, &c) in chunk.iter().enumerate().rev() {
        left[i] = left[i].min(run.min(k));
        run = if encode::is_acgt(c) { run + 1 } else { 0 };
    }
    left
}

/// An FMD-index with its settings, ready to predict.
pub struct MarkovModel {
    index: FmdIndex,
    settings: MarkovSettings,
    /// Each indexed contig's runs (a range of `index.runs()`).
    runs: HashMap<String, Range<usize>>,
    /// The scored genome, to check an indexed contig's bases before leaving them out.
    check: Option<ContigCheck>,
    /// Every context of the lowest orders, looked up once.
    low: LowOrders,
}

impl MarkovModel {
    pub fn new(index: FmdIndex, settings: MarkovSettings) -> crate::Result<MarkovModel> {
        settings.check()?;
        let mut runs: HashMap<String, Range<usize>> = HashMap::new();
        for (i, r) in index.runs().iter().enumerate() {
            let name = &index.meta.genome_contigs[r.contig as usize].0;
            runs.entry(name.clone())
                .and_modify(|x| x.end = i + 1)
                .or_insert(i..i + 1);
        }
        let low = LowOrders::build(&index, LowOrders::top_for(index.rows(), settings.k));
        Ok(MarkovModel {
            index,
            settings,
            runs,
            check: None,
            low,
        })
    }

    pub fn settings(&self) -> &MarkovSettings {
        &self.settings
    }

    pub fn index(&self) -> &FmdIndex {
        &self.index
    }

    /// The tables of the lowest orders.
    pub(super) fn low_orders(&self) -> &LowOrders {
        &self.low
    }

    /// The model with tables up to order `top` in place of those its index's size chose.
    #[cfg(test)]
    pub(super) fn with_low_orders(mut self, top: usize) -> Self {
        self.low = LowOrders::build(&self.index, top);
        self
    }

    /// Checks that a genome (its contigs and lengths, in order) is the index's own (`path`).
    pub fn check_genome(&self, path: &Path, contigs: &[(String, u64)]) -> crate::Result<()> {
        let own = &self.index.meta.genome_contigs;
        if own.as_slice() == contigs {
            return Ok(());
        }
        let first_diff = own
            .iter()
            .zip(contigs)
            .find(|(a, b)| a != b)
            .map(|(a, b)| {
                format!(
                    ": {} ({} bases) there, {} ({} bases) here",
                    a.0, a.1, b.0, b.1
                )
            })
            .unwrap_or_else(|| format!(": {} contigs there, {} here", own.len(), contigs.len()));
        Err(crate::Error::other_genome(
            path,
            format!(
                "was built from another genome ({}, checksum {}){first_diff}",
                self.index.meta.genome, self.index.meta.checksum
            ),
        ))
    }

    /// Checks each indexed contig's bases in `genome` (the scored genome, whose names and
    /// lengths [`check_genome`](Self::check_genome) accepted) before leave-one-out subtracts
    /// them; a contig that differs is left alone and reported by
    /// [`check_failure`](Self::check_failure).
    pub fn with_contig_check(mut self, genome: crate::genome::Genome) -> Self {
        self.check = Some(ContigCheck::new(genome, &self.index.meta.contig_checksums));
        self
    }

    /// Checks every indexed contig's bases in `genome` at once, in index order (what
    /// [`with_contig_check`](Self::with_contig_check) does lazily as scoring reaches each
    /// contig): for callers that leave counts out without going through
    /// [`Predictor`](crate::predict::Predictor), such as a network's training prior. The
    /// first contig that differs is named, as an error about the index `path`.
    pub fn check_contigs(&self, path: &Path, genome: &crate::genome::Genome) -> crate::Result<()> {
        let check = ContigCheck::new(genome.clone(), &self.index.meta.contig_checksums);
        let mut contigs: Vec<_> = self.runs.iter().collect();
        contigs.sort_by_key(|(_, r)| r.start);
        for (contig, range) in contigs {
            if !check.same_bases(contig, &self.index.runs()[range.clone()]) {
                break;
            }
        }
        match check.failure() {
            Some(msg) => Err(crate::Error::other_genome(path, msg)),
            None => Ok(()),
        }
    }

    /// The first indexed contig whose bases differ in the scored genome, as an error.
    pub fn check_failure(&self) -> crate::Result<()> {
        match self.check.as_ref().and_then(|c| c.failure()) {
            Some(msg) => Err(crate::Error::config("--model", msg.to_string())),
            None => Ok(()),
        }
    }

    /// Turns leave-one-out off (scoring a genome other than the index's).
    pub fn without_leave_one_out(mut self) -> Self {
        self.settings.leave_one_out = false;
        self
    }

    /// For each central position of a chunk at `locus`, the largest order whose window
    /// lies inside one indexed run (its own occurrence is in the index), if any.
    fn own_orders(&self, locus: &Locus, m: usize) -> Vec<Option<usize>> {
        let mut out = vec![None; m];
        let Some(range) = self
            .runs
            .get(locus.contig)
            .filter(|_| self.settings.leave_one_out)
        else {
            return out;
        };
        let runs = &self.index.runs()[range.clone()];
        if let Some(check) = &self.check
            && !check.same_bases(locus.contig, runs)
        {
            return out;
        }
        orders_in_runs(runs, locus.start, &mut out);
        if locus.reverse {
            out.reverse();
        }
        out
    }

    /// Probabilities (f64) of the central positions of a chunk (`k` bases of flank each
    /// side); NaN where the center is not A/C/G/T.
    pub fn predict_f64(&self, chunk: &[u8], locus: Option<&Locus>) -> Vec<[f64; 4]> {
        self.predict_reach(chunk, locus)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    /// As [`predict_f64`](Self::predict_f64), with how deep each position's context was
    /// found ([`Reach::default`] where the center is not A/C/G/T). The positions' lookups are
    /// interleaved ([`lookup`](super::lookup)).
    pub fn predict_reach(&self, chunk: &[u8], locus: Option<&Locus>) -> Vec<([f64; 4], Reach)> {
        let k = self.settings.k;
        let m = chunk.len().saturating_sub(2 * k);
        let own = self.own_orders_at(locus, m);
        let top = clean_orders(chunk, k);
        let chain = self.chain();
        let walks = (0..m).filter(|&x| encode::is_acgt(chunk[x + k])).map(|x| {
            let q = Query {
                i: x + k,
                top: top[x + k],
                own: own[x],
            };
            Predict::new(&self.index, &self.low, &chain, x, q, chunk[x + k])
        });
        let mut out = vec![([f64::NAN; 4], Reach::default()); m];
        lookup::walk_all(&self.index, chunk, walks, |w| out[w.slot] = (w.p, w.reach));
        out
    }

    /// [`own_orders`](Self::own_orders) at `locus`; none without one.
    pub(super) fn own_orders_at(&self, locus: Option<&Locus>, m: usize) -> Vec<Option<usize>> {
        match locus {
            Some(l) => self.own_orders(l, m),
            None => vec![None; m],
        }
    }

    /// The settings of the interpolation chain.
    pub(super) fn chain(&self) -> Chain {
        Chain {
            alpha: self.settings.alpha,
            min_order: self.settings.min_order,
        }
    }

    fn predict_one(&self, chunk: &[u8], locus: Option<&Locus>) -> Vec<Probs> {
        self.predict_f64(chunk, locus)
            .into_iter()
            .map(|p| {
                if p[0].is_nan() {
                    NO_PREDICTION
                } else {
                    p.map(|x| x as f32)
                }
            })
            .collect()
    }
}

impl Predictor for MarkovModel {
    fn flank(&self) -> usize {
        self.settings.k
    }

    fn describe(&self) -> String {
        let s = &self.settings;
        format!(
            "FM-index Markov model k={} alpha={} min_order={} leave_one_out={} ({} bases of {})",
            s.k,
            s.alpha,
            s.min_order,
            s.leave_one_out,
            self.index.meta.bases,
            self.index.meta.genome
        )
    }

    fn predict_chunks(&self, chunks: &[Vec<u8>]) -> crate::Result<Vec<Vec<Probs>>> {
        Ok(chunks
            .par_iter()
            .map(|c| self.predict_one(c, None))
            .collect())
    }

    fn predict_chunks_at(
        &self,
        chunks: &[Vec<u8>],
        loci: &[Locus],
    ) -> crate::Result<Vec<Vec<Probs>>> {
        let out = chunks
            .par_iter()
            .zip(loci)
            .map(|(c, l)| self.predict_one(c, Some(l)))
            .collect();
        self.check_failure()?;
        Ok(out)
    }
}

/// For each position from `start` (one per slot of `out`), the largest order whose window
/// lies inside one of the sorted `runs`: its distance to the nearer end of its run.
fn orders_in_runs(runs: &[Run], start: u64, out: &mut [Option<usize>]) {
    let mut r = runs.partition_point(|x| x.end <= start);
    for (i, o) in out.iter_mut().enumerate() {
        let g = start + i as u64;
        while r < runs.len() && runs[r].end <= g {
            r += 1;
        }
        if r < runs.len() && runs[r].start <= g {
            *o = Some((g - runs[r].start).min(runs[r].end - 1 - g) as usize);
        }
    }
}
