//! The central k-mer model as a [`Predictor`], with interpolated backoff.
//!
//! Counts `n_j(c, b)` of order j (j bases each side) come from the order-k table by summing
//! over the outermost base on each side. With pseudocount `a`:
//!
//! - no backoff: `p(b | c) = (n_k(c, b) + a) / (N_k(c) + 4a)`, only for positions whose
//!   whole (2k+1)-window is A/C/G/T;
//! - backoff (default): `p_j(b | c) = (n_j(c, b) + 4a * p_{j-1}(b | c')) / (N_j(c) + 4a)`,
//!   where `c'` is `c` without its outermost bases and `p_{-1} = 1/4`. An unseen context
//!   thus gets its shorter context's prediction instead of a uniform one, and a position
//!   near an unknown base or a contig end is scored at the largest order whose window is
//!   clean. This interpolates order j from order j-1 as the published bidirectional
//!   Markov model does.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::context::{Roller, n_contexts, shorten, sub_context};
use super::counts::{CountTable, Counts};
use crate::predict::{NO_PREDICTION, Predictor, Probs};

/// Probabilities of one order, for every context or for observed ones.
enum Level {
    Dense(Vec<Probs>),
    /// Unobserved contexts fall back to the shorter context (backoff) or uniform.
    Sparse(HashMap<u64, Probs>),
}

/// Counts of one order.
enum LevelCounts {
    Dense(Vec<Counts>),
    Sparse(HashMap<u64, Counts>),
}

impl LevelCounts {
    /// Adds `c` to the counts of context `ctx`.
    fn add(&mut self, ctx: u64, c: &Counts) {
        let e = match self {
            LevelCounts::Dense(v) => &mut v[ctx as usize],
            LevelCounts::Sparse(m) => m.entry(ctx).or_insert([0; 4]),
        };
        for b in 0..4 {
            e[b] += c[b];
        }
    }

    fn get(&self, ctx: u64) -> Counts {
        match self {
            LevelCounts::Dense(v) => v[ctx as usize],
            LevelCounts::Sparse(m) => m.get(&ctx).copied().unwrap_or([0; 4]),
        }
    }
}

/// Scoring settings.
#[derive(Debug, Clone, Copy)]
pub struct KmerSettings {
    pub pseudocount: f64,
    pub backoff: bool,
    /// Memory for dense probability tables, bytes.
    pub budget_bytes: u64,
    /// Keep the counts of every order, for leave-one-out predictions (training priors).
    pub keep_counts: bool,
}

/// A k-mer model ready to predict.
pub struct KmerModel {
    k: usize,
    settings: KmerSettings,
    /// Orders 0..=k with backoff; only order k without.
    levels: Vec<Level>,
    /// Counts of orders 0..=k, kept for [`KmerModel::predict_loo`].
    counts: Option<Vec<LevelCounts>>,
}

const UNIFORM: Probs = [0.25; 4];

/// The backed-off probabilities of an order-`k` `window` with the center base `t`'s own count
/// taken out at every order (leave-one-out), `a4` the pseudocount times 4.
#[inline]
fn loo_probs(counts: &[LevelCounts], window: u64, k: usize, t: usize, a4: f64) -> Probs {
    let mut prior = [0.25f64; 4];
    for (j, level) in counts.iter().enumerate() {
        let mut c = level.get(sub_context(window, k, j));
        c[t] = c[t].saturating_sub(1);
        let total = c.iter().sum::<u64>() as f64;
        prior = std::array::from_fn(|b| (c[b] as f64 + a4 * prior[b]) / (total + a4));
    }
    prior.map(|x| x as f32)
}

impl KmerModel {
    pub fn new(mut table: CountTable, settings: KmerSettings) -> KmerModel {
        table.normalize();
        let k = table.k();
        let top = into_level_counts(table);
        let (levels, counts) = if settings.backoff {
            let counts = every_order(top, k, settings.budget_bytes);
            let mut levels: Vec<Level> = Vec::with_capacity(k + 1);
            for (j, c) in counts.iter().enumerate() {
                let level = probabilities(c, j, settings.pseudocount, levels.last());
                levels.push(level);
            }
            (levels, settings.keep_counts.then_some(counts))
        } else {
            (
                vec![probabilities(&top, k, settings.pseudocount, None)],
                None,
            )
        };
        KmerModel {
            k,
            settings,
            levels,
            counts,
        }
    }

    /// Like [`KmerModel::predict`], but a position whose whole window was counted gets the
    /// prediction of the model counted without it (leave-one-out: its own count removed at
    /// every order), when `subtract` says its window is in the table. A training prior must
    /// not have seen its own target. Needs `keep_counts` and backoff; predicts as usual
    /// otherwise.
    pub fn predict_loo(
        &self,
        codes: &[u8],
        start: usize,
        end: usize,
        subtract: bool,
        out: &mut Vec<Probs>,
    ) {
        let Some(counts) = self
            .counts
            .as_ref()
            .filter(|_| subtract && self.settings.backoff)
        else {
            return self.predict(codes, start, end, out);
        };
        let k = self.k;
        let a4 = 4.0 * self.settings.pseudocount;
        let mut roller = Roller::new(codes, k, start);
        for p in start..end {
            if !roller.advance() {
                let mut one = Vec::with_capacity(1);
                self.predict(codes, p, p + 1, &mut one);
                out.push(one[0]);
                continue;
            }
            let t = (codes[p] & 3) as usize;
            out.push(loo_probs(counts, roller.window, k, t, a4));
        }
    }

    pub fn k(&self) -> usize {
        self.k
    }

    /// Probabilities for context `ctx` of order `j`.
    fn lookup(&self, ctx: u64, j: usize) -> Probs {
        let idx = if self.settings.backoff { j } else { 0 };
        match &self.levels[idx] {
            Level::Dense(v) => v[ctx as usize],
            Level::Sparse(m) => match m.get(&ctx) {
                Some(p) => *p,
                None if self.settings.backoff && j > 0 => self.lookup(shorten(ctx, j), j - 1),
                None => UNIFORM,
            },
        }
    }
}

impl Predictor for KmerModel {
    fn flank(&self) -> usize {
        self.k
    }

    fn describe(&self) -> String {
        format!(
            "k-mer model k={} pseudocount={} backoff={}",
            self.k, self.settings.pseudocount, self.settings.backoff
        )
    }

    fn predict_chunks(&self, chunks: &[Vec<u8>]) -> crate::Result<Vec<Vec<Probs>>> {
        let k = self.k;
        Ok(chunks
            .par_iter()
            .map(|c| {
                let mut out = Vec::with_capacity(c.len().saturating_sub(2 * k));
                self.predict(c, k, c.len().saturating_sub(k), &mut out);
                out
            })
            .collect())
    }
}

impl KmerModel {
    /// Predictions for positions `start..end` of `codes`, appended to `out`.
    pub fn predict(&self, codes: &[u8], start: usize, end: usize, out: &mut Vec<Probs>) {
        let k = self.k;
        let mut roller = Roller::new(codes, k, start);
        for _ in start..end {
            let p = if roller.advance() {
                self.lookup(sub_context(roller.window, k, k), k)
            } else if !self.settings.backoff {
                NO_PREDICTION
            } else {
                match roller.clean_order() {
                    Some(j) => self.lookup(sub_context(roller.window, k, j), j),
                    None => NO_PREDICTION,
                }
            };
            out.push(p);
        }
    }
}

fn into_level_counts(table: CountTable) -> LevelCounts {
    match table {
        CountTable::Dense { cells, .. } => LevelCounts::Dense(
            cells
                .chunks_exact(4)
                .map(|c| std::array::from_fn(|b| c[b].load(Ordering::Relaxed)))
                .collect(),
        ),
        CountTable::Sparse { entries, .. } => LevelCounts::Sparse(entries.into_iter().collect()),
    }
}

/// The counts of every order 0..=k, each marginalized from the one above, the top's `top`.
fn every_order(top: LevelCounts, k: usize, budget: u64) -> Vec<LevelCounts> {
    let mut counts = vec![top];
    for j in (1..=k).rev() {
        let lower = marginalize(counts.last().expect("the top is there"), j, budget);
        counts.push(lower);
    }
    counts.reverse();
    counts
}

/// Order j-1 counts from order j counts.
fn marginalize(counts: &LevelCounts, j: usize, budget: u64) -> LevelCounts {
    let dense = n_contexts(j - 1).saturating_mul(4 * 8) <= budget;
    let add_to = |out: &mut LevelCounts, ctx: u64, c: &Counts| out.add(shorten(ctx, j), c);
    let mut out = if dense {
        LevelCounts::Dense(vec![[0; 4]; n_contexts(j - 1) as usize])
    } else {
        LevelCounts::Sparse(HashMap::new())
    };
    match counts {
        LevelCounts::Dense(v) => v
            .iter()
            .enumerate()
            .filter(|(_, c)| c.iter().any(|&n| n > 0))
            .for_each(|(ctx, c)| add_to(&mut out, ctx as u64, c)),
        LevelCounts::Sparse(m) => m.iter().for_each(|(&ctx, c)| add_to(&mut out, ctx, c)),
    }
    out
}

/// Probabilities of order j; `lower` is order j-1 when backing off.
fn probabilities(counts: &LevelCounts, j: usize, a: f64, lower: Option<&Level>) -> Level {
    let prior = |ctx: u64| -> Probs {
        match lower {
            None => UNIFORM,
            Some(Level::Dense(v)) => v[shorten(ctx, j) as usize],
            Some(Level::Sparse(m)) => m.get(&shorten(ctx, j)).copied().unwrap_or(UNIFORM),
        }
    };
    let prob = |ctx: u64, c: &Counts| -> Probs {
        let total: u64 = c.iter().sum();
        let pr = if j == 0 { UNIFORM } else { prior(ctx) };
        let denom = total as f64 + 4.0 * a;
        std::array::from_fn(|b| ((c[b] as f64 + 4.0 * a * pr[b] as f64) / denom) as f32)
    };
    match counts {
        LevelCounts::Dense(v) => Level::Dense(
            v.iter()
                .enumerate()
                .map(|(ctx, c)| prob(ctx as u64, c))
                .collect(),
        ),
        LevelCounts::Sparse(m) => {
            Level::Sparse(m.iter().map(|(&ctx, c)| (ctx, prob(ctx, c))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::kmer::counts::Strands;
    use crate::regions::IntervalSet;
    use proptest::prelude::*;

    fn train(s: &str, k: usize, dense: bool) -> CountTable {
        let seq = EncodedSeq::from_ascii(s.as_bytes()).unwrap();
        let mut t = CountTable::new(k, if dense { u64::MAX } else { 0 });
        t.count_contig(
            seq.codes(),
            &IntervalSet::from_unsorted(vec![(0, s.len() as u64)]),
            Strands::Forward,
        );
        t
    }

    /// Naive backoff probability straight from the definition, over the training string.
    fn naive(train: &str, k: usize, a: f64, ctx_l: &str, ctx_r: &str, backoff: bool) -> [f64; 4] {
        naive_skip(train, k, a, ctx_l, ctx_r, backoff, None)
    }

    /// The same, counting every position but `skip`.
    fn naive_skip(
        train: &str,
        k: usize,
        a: f64,
        ctx_l: &str,
        ctx_r: &str,
        backoff: bool,
        skip: Option<usize>,
    ) -> [f64; 4] {
        let j = ctx_l.len();
        let t = train.as_bytes();
        let mut n = [0f64; 4];
        for p in k..t.len().saturating_sub(k) {
            if Some(p) == skip {
                continue;
            }
            // the order-j context must sit inside a clean order-k window (counts come from order k)
            if t[p - k..=p + k].contains(&b'N') {
                continue;
            }
            if &t[p - j..p] == ctx_l.as_bytes() && &t[p + 1..=p + j] == ctx_r.as_bytes() {
                n["ACGT".find(t[p] as char).unwrap()] += 1.0;
            }
        }
        let total: f64 = n.iter().sum();
        let prior = if !backoff || j == 0 {
            [0.25; 4]
        } else {
            naive_skip(train, k, a, &ctx_l[1..], &ctx_r[..j - 1], backoff, skip)
        };
        if backoff {
            std::array::from_fn(|b| (n[b] + 4.0 * a * prior[b]) / (total + 4.0 * a))
        } else {
            std::array::from_fn(|b| (n[b] + a) / (total + 4.0 * a))
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn leave_one_out_matches_a_model_counted_without_the_position(tr in "[ACGT]{20,120}", k in 1usize..4, dense: bool, a in 0.1f64..3.0) {
            let settings = KmerSettings { pseudocount: a, backoff: true, budget_bytes: if dense { u64::MAX } else { 0 }, keep_counts: true };
            let model = KmerModel::new(train(&tr, k, dense), settings);
            let seq = EncodedSeq::from_ascii(tr.as_bytes()).unwrap();
            let mut out = Vec::new();
            model.predict_loo(seq.codes(), 0, tr.len(), true, &mut out);
            let mut plain = Vec::new();
            model.predict_loo(seq.codes(), 0, tr.len(), false, &mut plain);
            for p in 0..tr.len() {
                let counted = p >= k && p + k < tr.len();
                let (want, skip) = if counted { (&tr[p - k..p], Some(p)) } else { ("", None) };
                if counted {
                    let w = naive_skip(&tr, k, a, want, &tr[p + 1..=p + k], true, skip);
                    for x in 0..4 {
                        prop_assert!((out[p][x] as f64 - w[x]).abs() < 1e-5, "pos {} {:?} vs {:?}", p, out[p], w);
                    }
                } else {
                    prop_assert_eq!(out[p], plain[p]);
                }
            }
        }

        #[test]
        fn predictions_match_definition(tr in "[ACGT]{20,200}", te in "[ACGTN]{1,40}", k in 1usize..4,
                                         backoff: bool, dense: bool, a in 0.1f64..3.0) {
            let model = KmerModel::new(train(&tr, k, dense), KmerSettings { pseudocount: a, backoff, budget_bytes: if dense { u64::MAX } else { 0 }, keep_counts: false });
            let seq = EncodedSeq::from_ascii(te.as_bytes()).unwrap();
            let mut out = Vec::new();
            model.predict(seq.codes(), 0, te.len(), &mut out);
            let b = te.as_bytes();
            for p in 0..te.len() {
                let clean = |j: usize| p >= j && p + j < b.len() && b[p - j..=p + j].iter().all(|&c| c != b'N');
                let order = if !clean(0) { None } else if !backoff { clean(k).then_some(k) } else { (0..=k).take_while(|&j| clean(j)).last() };
                match order {
                    None => prop_assert!(out[p][0].is_nan()),
                    Some(j) => {
                        let want = naive(&tr, k, a, &te[p - j..p], &te[p + 1..=p + j], backoff);
                        for x in 0..4 {
                            prop_assert!((out[p][x] as f64 - want[x]).abs() < 1e-5, "pos {} {:?} vs {:?}", p, out[p], want);
                        }
                    }
                }
            }
        }
    }
}
