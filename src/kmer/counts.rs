//! Counting centers by context: dense atomic arrays when `4^(2k) * 4` counters fit the
//! memory budget, a sparse hash table otherwise. Multi-threaded over chunks of regions.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::context::{Roller, n_contexts, split_window};
use crate::predict::chunk_regions;
use crate::regions::IntervalSet;

/// Counts of A, C, G, T at a context.
pub type Counts = [u64; 4];

/// Which strands are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strands {
    Forward,
    Both,
}

impl Strands {
    /// Both strands when `both`, else the forward one.
    pub fn both_if(both: bool) -> Strands {
        if both {
            Strands::Both
        } else {
            Strands::Forward
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Strands::Forward => "forward",
            Strands::Both => "both",
        }
    }

    pub fn parse(s: &str) -> Option<Strands> {
        [Strands::Forward, Strands::Both]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A table of counts by context of order `k`.
///
/// `Dense` holds one atomic counter per (context, base): threads add in place. `Sparse`
/// holds observed contexts only, as a vector sorted by context: a contig's centers are
/// collected as packed keys, sorted in parallel and run-length counted, then merged in
/// linearly, which needs far less memory than a hash map.
pub enum CountTable {
    Dense {
        k: usize,
        cells: Vec<AtomicU64>,
    },
    Sparse {
        k: usize,
        entries: Vec<(u64, Counts)>,
        sorted: bool,
    },
}

/// Bytes a dense table of order k needs.
pub fn dense_bytes(k: usize) -> u64 {
    n_contexts(k).saturating_mul(4 * 8)
}

impl CountTable {
    /// An empty table: dense when it fits `budget_bytes`.
    pub fn new(k: usize, budget_bytes: u64) -> CountTable {
        if dense_bytes(k) <= budget_bytes {
            let n = (n_contexts(k) * 4) as usize;
            CountTable::Dense {
                k,
                cells: (0..n).map(|_| AtomicU64::new(0)).collect(),
            }
        } else {
            CountTable::Sparse {
                k,
                entries: Vec::new(),
                sorted: true,
            }
        }
    }

    pub fn k(&self) -> usize {
        match self {
            CountTable::Dense { k, .. } | CountTable::Sparse { k, .. } => *k,
        }
    }

    pub fn is_dense(&self) -> bool {
        matches!(self, CountTable::Dense { .. })
    }

    /// Adds `counts` at context `ctx`. A sparse table must be [`normalize`]d before reading.
    ///
    /// [`normalize`]: CountTable::normalize
    pub fn add(&mut self, ctx: u64, counts: Counts) {
        match self {
            CountTable::Dense { cells, .. } => {
                for (b, &n) in counts.iter().enumerate() {
                    *cells[ctx as usize * 4 + b].get_mut() += n;
                }
            }
            CountTable::Sparse {
                entries, sorted, ..
            } => {
                *sorted &= entries.last().is_none_or(|&(last, _)| last < ctx);
                entries.push((ctx, counts));
            }
        }
    }

    /// Sorts a sparse table and sums repeated contexts (no-op when dense or sorted).
    pub fn normalize(&mut self) {
        if let CountTable::Sparse {
            entries, sorted, ..
        } = self
            && !*sorted
        {
            entries.par_sort_unstable_by_key(|&(c, _)| c);
            *entries = sum_runs(entries.iter().copied());
            *sorted = true;
        }
    }

    /// Counts at `ctx`.
    pub fn get(&self, ctx: u64) -> Counts {
        match self {
            CountTable::Dense { cells, .. } => {
                std::array::from_fn(|b| cells[ctx as usize * 4 + b].load(Ordering::Relaxed))
            }
            CountTable::Sparse {
                entries, sorted, ..
            } => {
                debug_assert!(*sorted, "normalize() a sparse table before reading it");
                entries
                    .binary_search_by_key(&ctx, |&(c, _)| c)
                    .map_or([0; 4], |i| entries[i].1)
            }
        }
    }

    /// Observed contexts (any count above zero) with their counts, sorted by context.
    pub fn observed(&self) -> Vec<(u64, Counts)> {
        match self {
            CountTable::Dense { cells, .. } => cells
                .chunks_exact(4)
                .enumerate()
                .filter_map(|(ctx, c)| {
                    let counts: Counts = std::array::from_fn(|b| c[b].load(Ordering::Relaxed));
                    (counts.iter().sum::<u64>() > 0).then_some((ctx as u64, counts))
                })
                .collect(),
            CountTable::Sparse {
                entries, sorted, ..
            } => {
                debug_assert!(*sorted, "normalize() a sparse table before reading it");
                entries.clone()
            }
        }
    }

    /// Number of observed contexts.
    pub fn n_observed(&self) -> usize {
        let mut n = 0;
        self.for_each_observed(|_, _| n += 1);
        n
    }

    /// Calls `f` with every observed context and its counts, in context order.
    pub fn for_each_observed(&self, mut f: impl FnMut(u64, &Counts)) {
        match self {
            CountTable::Dense { cells, .. } => {
                for (ctx, c) in cells.chunks_exact(4).enumerate() {
                    let counts: Counts = std::array::from_fn(|b| c[b].load(Ordering::Relaxed));
                    if counts.iter().any(|&x| x > 0) {
                        f(ctx as u64, &counts);
                    }
                }
            }
            CountTable::Sparse {
                entries, sorted, ..
            } => {
                debug_assert!(*sorted, "normalize() a sparse table before reading it");
                entries.iter().for_each(|(ctx, c)| f(*ctx, c));
            }
        }
    }

    /// Total count over all contexts.
    pub fn total(&self) -> u64 {
        self.observed()
            .iter()
            .map(|(_, c)| c.iter().sum::<u64>())
            .sum()
    }

    /// Counts the centers inside `regions` of one contig, in parallel over chunks.
    pub fn count_contig(&mut self, codes: &[u8], regions: &IntervalSet, strands: Strands) {
        let k = self.k();
        let chunks = chunk_regions(regions, 1 << 20);
        match self {
            CountTable::Dense { cells, .. } => {
                let cells = &*cells;
                chunks.par_iter().for_each(|&(s, e)| {
                    visit_clean(codes, k, s, e, strands, |ctx, b| {
                        cells[ctx as usize * 4 + b as usize].fetch_add(1, Ordering::Relaxed);
                    });
                });
            }
            CountTable::Sparse { .. } => {
                let counted = sorted_counts(codes, k, &chunks, strands);
                self.merge_sorted(counted);
            }
        }
    }

    /// Adds sorted, unique entries to a sparse table (linear merge).
    fn merge_sorted(&mut self, new: Vec<(u64, Counts)>) {
        self.normalize();
        if let CountTable::Sparse { entries, .. } = self {
            let old = std::mem::take(entries);
            let mut merged = Vec::with_capacity(old.len().max(new.len()));
            let (mut a, mut b) = (old.into_iter().peekable(), new.into_iter().peekable());
            loop {
                let next = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) if x.0 == y.0 => {
                        let (x, y) = (a.next(), b.next());
                        let ((c, m), (_, n)) = (x.unwrap_or_default(), y.unwrap_or_default());
                        (c, std::array::from_fn(|i| m[i] + n[i]))
                    }
                    (Some(x), Some(y)) if x.0 < y.0 => a.next().unwrap_or_default(),
                    (Some(_), Some(_)) | (None, Some(_)) => b.next().unwrap_or_default(),
                    (Some(_), None) => a.next().unwrap_or_default(),
                    (None, None) => break,
                };
                merged.push(next);
            }
            *entries = merged;
        }
    }
}

/// Sums the counts of equal, adjacent contexts of a sorted sequence.
fn sum_runs(sorted: impl Iterator<Item = (u64, Counts)>) -> Vec<(u64, Counts)> {
    let mut out: Vec<(u64, Counts)> = Vec::new();
    for (ctx, c) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == ctx => {
                for (x, y) in last.1.iter_mut().zip(c) {
                    *x += y;
                }
            }
            _ => out.push((ctx, c)),
        }
    }
    out
}

/// Calls `f(context, center)` for every center in `[start, end)` whose window is clean,
/// and for its reverse complement when both strands are counted.
fn visit_clean(
    codes: &[u8],
    k: usize,
    start: u64,
    end: u64,
    strands: Strands,
    mut f: impl FnMut(u64, u8),
) {
    let mut roller = Roller::new(codes, k, start as usize);
    for _ in start..end {
        if roller.advance() {
            let (ctx, center) = split_window(roller.window, k);
            f(ctx, center);
            if strands == Strands::Both {
                let (ctx, center) = split_window(roller.rc_window, k);
                f(ctx, center);
            }
        }
    }
}

/// The centers of `chunks` of a contig counted per context, sorted by context: each center
/// a packed key (context << 2 | center, 4k + 2 <= 58 bits), sorted in parallel, then runs
/// summed.
fn sorted_counts(
    codes: &[u8],
    k: usize,
    chunks: &[(u64, u64)],
    strands: Strands,
) -> Vec<(u64, Counts)> {
    let mut keys: Vec<u64> = chunks
        .par_iter()
        .flat_map_iter(|&(s, e)| {
            let mut v = Vec::with_capacity((e - s) as usize);
            visit_clean(codes, k, s, e, strands, |ctx, b| {
                v.push((ctx << 2) | b as u64)
            });
            v
        })
        .collect();
    keys.par_sort_unstable();
    sum_runs(keys.iter().map(|&key| {
        let mut c = [0; 4];
        c[(key & 3) as usize] = 1;
        (key >> 2, c)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::kmer::context::parse_kmer;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn naive(s: &str, k: usize, both: bool) -> HashMap<(String, char), u64> {
        let mut m = HashMap::new();
        let b = s.as_bytes();
        let mut add = |w: &[u8]| {
            if w.iter().all(|c| b"ACGT".contains(c)) {
                let ctx = format!(
                    "{}{}",
                    std::str::from_utf8(&w[..k]).unwrap(),
                    std::str::from_utf8(&w[k + 1..]).unwrap()
                );
                *m.entry((ctx, w[k] as char)).or_insert(0) += 1;
            }
        };
        for p in k..b.len().saturating_sub(k) {
            let w = &b[p - k..=p + k];
            add(w);
            if both {
                let rc: Vec<u8> = w
                    .iter()
                    .rev()
                    .map(|&c| match c {
                        b'A' => b'T',
                        b'C' => b'G',
                        b'G' => b'C',
                        b'T' => b'A',
                        x => x,
                    })
                    .collect();
                add(&rc);
            }
        }
        m
    }

    proptest! {
        #[test]
        fn dense_and_sparse_match_naive(s in "[ACGTN]{0,300}", k in 1usize..4, both: bool, dense: bool) {
            let seq = EncodedSeq::from_ascii(s.as_bytes()).unwrap();
            let strands = if both { Strands::Both } else { Strands::Forward };
            let mut t = CountTable::new(k, if dense { u64::MAX } else { 0 });
            prop_assert_eq!(t.is_dense(), dense);
            let all = IntervalSet::from_unsorted(vec![(0, s.len() as u64)]);
            t.count_contig(seq.codes(), &all, strands);
            let want = naive(&s, k, both);
            let mut got = HashMap::new();
            for (ctx, c) in t.observed() {
                let (l, r) = crate::kmer::context::context_strings(ctx, k);
                for (b, &n) in c.iter().enumerate() {
                    if n > 0 {
                        got.insert((format!("{l}{r}"), b"ACGT"[b] as char), n);
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn regions_limit_centers() {
        let seq = EncodedSeq::from_ascii(b"ACGTACGTAC").unwrap();
        let mut t = CountTable::new(1, u64::MAX);
        t.count_contig(
            seq.codes(),
            &IntervalSet::from_unsorted(vec![(0, 1), (3, 5)]),
            Strands::Forward,
        );
        // centers 3 (T, ctx G_A) and 4 (A, ctx T_C); center 0 has no left flank.
        assert_eq!(t.total(), 2);
        let ctx = (parse_kmer("G").unwrap() << 2) | parse_kmer("A").unwrap();
        assert_eq!(t.get(ctx), [0, 0, 0, 1]);
    }
}
