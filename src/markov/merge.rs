//! Merging the BWTs of parts of a text collection (Ferragina, Gagie, Manzini 2012; the
//! interleave of Holt and McMillan 2014, found in one pass), so that a text of any size is
//! sorted in parts below 2^31 positions with libsais's 4-byte array (5 bytes a position
//! instead of 9) and the index is built in bounded memory.
//!
//! A part's BWT is walked backwards from its sentinel row by LF-mapping, which visits every
//! suffix of the part and yields its symbols, so the part's text need not be kept. Each suffix
//! gets its row in the part (`r`) and, by the same LF step on the accumulated BWT, the number
//! of accumulated rows that sort before it (`k`); it lands at row `r + k` of the merge. Suffixes
//! that start with a separator (or the part's sentinel) are placed after every such row of the
//! accumulated BWT, in the part's own order: a consistent order in which every A/C/G/T string's
//! rows stay contiguous and sorted by what follows, so counts and bidirectional extensions are
//! exactly those of a single-pass build (rows of separator-led suffixes may be ordered
//! differently; nothing reads them).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::lookup::{LANES, prefetch};
use super::rank::{self, BLOCK, Block, BlockBuilder};

/// A BWT over A/C/G/T and dollars, as rank blocks.
pub struct Bwt {
    pub blocks: Vec<Block>,
    /// Rows holding a dollar (a separator or a sentinel), sorted.
    pub dollars: Vec<u64>,
    pub rows: u64,
}

/// A part's BWT, as libsais makes it: one sentinel (`#`, the smallest suffix, row 0), whose
/// preceding symbol sits at row `primary`.
pub struct PartBwt {
    pub bwt: Bwt,
    pub primary: u64,
}

impl Bwt {
    pub fn from_builder(b: BlockBuilder) -> Bwt {
        let (blocks, dollars, rows) = b.finish();
        Bwt {
            blocks,
            dollars,
            rows,
        }
    }

    #[inline]
    fn occ(&self, i: u64) -> [u64; 4] {
        rank::occ(&self.blocks, &self.dollars, i)
    }

    /// First row of each base; the rows before A's start with a dollar.
    fn first(&self) -> [u64; 4] {
        rank::totals_and_first(&self.blocks, &self.dollars, self.rows).1
    }

    /// The 2-bit code at row `i` (dollars read as A, code 0).
    #[inline]
    fn code(&self, i: u64) -> u8 {
        rank::code(&self.blocks, i)
    }

    #[inline]
    fn is_dollar(&self, i: u64) -> bool {
        self.blocks[(i / BLOCK) as usize].counts[0] & rank::DOLLAR_FLAG != 0
            && self.dollars.binary_search(&i).is_ok()
    }
}

/// The BWT of the union of `acc`'s and `part`'s texts, built on `progress` (rows done).
pub fn merge(acc: &Bwt, part: &PartBwt, progress: &(dyn Fn(u64) + Sync)) -> Bwt {
    let z = interleave(acc, part, progress);
    let rows = acc.rows + part.bwt.rows;
    let mut out = BlockBuilder::with_capacity(rows);
    let mut next = [0u64; 2];
    let mut dollar_at = [0usize; 2];
    let sources = [acc, &part.bwt];
    for i in 0..rows {
        let s = (z[(i / 64) as usize] >> (i % 64)) as usize & 1;
        let (src, r) = (sources[s], next[s]);
        let d = &mut dollar_at[s];
        if src.dollars.get(*d) == Some(&r) {
            *d += 1;
            out.push(None);
        } else {
            out.push(Some(src.code(r)));
        }
        next[s] += 1;
    }
    Bwt::from_builder(out)
}

/// One bit per row of the merge, set where a row of `part` goes.
///
/// The part's walk backwards is one chain per run (each run and its reverse complement end
/// at a separator): a chain starts at a separator-led suffix (or the sentinel's, row 0) and
/// ends at the next row whose symbol is a dollar, the sequential walk jumping from there to
/// the next chain's start. The chains are independent, so they run [`LANES`] at a time on each
/// of rayon's threads, the blocks of each chain's next step asked for before the other lanes'
/// steps (as the Markov model's lookups do: `lookup.rs`), and the bits set whatever the order.
/// The result is the sequential walk's ([`tests::interleave_one_by_one`]).
fn interleave(acc: &Bwt, part: &PartBwt, progress: &(dyn Fn(u64) + Sync)) -> Vec<u64> {
    let rows = acc.rows + part.bwt.rows;
    let mut z = vec![0u64; rows.div_ceil(64) as usize];
    let chains = chain_count(part);
    let walk = Chains {
        acc,
        part,
        first_a: acc.first(),
        first_b: part.bwt.first(),
        z: atomic_words(&mut z),
        next: AtomicUsize::new(0),
        chains,
        done: AtomicU64::new(0),
        progress,
    };
    let visited: u64 = (0..rayon::current_num_threads().min(chains).max(1))
        .into_par_iter()
        .map(|_| walk.run())
        .sum();
    assert_eq!(
        visited, part.bwt.rows,
        "the part's walk visited {visited} of its {} suffixes",
        part.bwt.rows
    );
    z
}

/// The chains of a part's walk: one from the sentinel's suffix (row 0), and one from each
/// separator-led suffix (rows 1 on, one per dollar row but the sentinel's).
fn chain_count(part: &PartBwt) -> usize {
    let b = &part.bwt;
    1 + b.dollars.len() - usize::from(b.dollars.binary_search(&part.primary).is_ok())
}

/// `z`'s words, to set bits in from several threads.
fn atomic_words(z: &mut [u64]) -> &[AtomicU64] {
    const _: () = assert!(std::mem::align_of::<AtomicU64>() == std::mem::align_of::<u64>());
    // SAFETY: same size and (checked) alignment; the exclusive borrow of `z` is held for as
    // long as the atomic view lives, so every access goes through it.
    unsafe { &*(z as *mut [u64] as *const [AtomicU64]) }
}

/// The walk of a part's chains, shared by the threads that run them.
struct Chains<'a> {
    acc: &'a Bwt,
    part: &'a PartBwt,
    first_a: [u64; 4],
    first_b: [u64; 4],
    z: &'a [AtomicU64],
    /// The next chain to start.
    next: AtomicUsize,
    chains: usize,
    /// Suffixes visited, for progress.
    done: AtomicU64,
    progress: &'a (dyn Fn(u64) + Sync),
}

/// One chain in progress: its row in the part (`r`), the accumulated rows before it (`k`).
#[derive(Clone, Copy)]
struct Lane {
    r: u64,
    k: u64,
}

impl Chains<'_> {
    /// Runs chains until none is left to start; returns the suffixes visited.
    fn run(&self) -> u64 {
        let mut lanes: Vec<Lane> = Vec::with_capacity(LANES);
        let (mut visited, mut unreported) = (0u64, 0u64);
        loop {
            while lanes.len() < LANES {
                let c = self.next.fetch_add(1, Ordering::Relaxed);
                if c >= self.chains {
                    break;
                }
                let lane = Lane {
                    r: c as u64,
                    k: self.first_a[0],
                };
                self.ask(lane);
                lanes.push(lane);
            }
            if lanes.is_empty() {
                self.report(unreported);
                return visited;
            }
            let mut i = 0;
            while i < lanes.len() {
                let lane = &mut lanes[i];
                self.set(lane.r + lane.k);
                visited += 1;
                unreported += 1;
                match self.step(*lane) {
                    Some(next) => {
                        *lane = next;
                        self.ask(next);
                        i += 1;
                    }
                    None => {
                        lanes.swap_remove(i);
                    }
                }
            }
            if unreported >= 1 << 22 {
                self.report(unreported);
                unreported = 0;
            }
        }
    }

    /// The LF step from `lane`'s suffix to the one before it in the part's text; none where
    /// the chain ends (a dollar precedes the suffix, or it is the whole text).
    #[inline]
    fn step(&self, lane: Lane) -> Option<Lane> {
        let b = &self.part.bwt;
        if lane.r == self.part.primary || b.is_dollar(lane.r) {
            return None;
        }
        let c = b.code(lane.r) as usize;
        Some(Lane {
            r: self.first_b[c] + b.occ(lane.r)[c],
            k: self.first_a[c] + self.acc.occ(lane.k)[c],
        })
    }

    /// Asks for what `lane`'s next turn reads: its blocks of both BWTs and its word of `z`.
    #[inline(always)]
    fn ask(&self, lane: Lane) {
        prefetch(&self.part.bwt.blocks, (lane.r / BLOCK) as usize);
        prefetch(&self.acc.blocks, (lane.k / BLOCK) as usize);
        prefetch(self.z, ((lane.r + lane.k) / 64) as usize);
    }

    #[inline(always)]
    fn set(&self, i: u64) {
        self.z[(i / 64) as usize].fetch_or(1 << (i % 64), Ordering::Relaxed);
    }

    /// Adds `n` suffixes to the count, and reports each 2^24 crossed.
    fn report(&self, n: u64) {
        let before = self.done.fetch_add(n, Ordering::Relaxed);
        if (before + n) >> 24 > before >> 24 {
            (self.progress)(before + n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::build::{TextBuilder, tests::meta};
    use crate::genome::EncodedSeq;
    use crate::regions::IntervalSet;
    use proptest::prelude::*;

    use super::*;

    /// The part's walk backwards as one sequence, jumping from each chain's end to the next
    /// chain's start: the reference for [`interleave`].
    pub fn interleave_one_by_one(acc: &Bwt, part: &PartBwt) -> Vec<u64> {
        let rows = acc.rows + part.bwt.rows;
        let mut z = vec![0u64; rows.div_ceil(64) as usize];
        let mut set = |i: u64| z[(i / 64) as usize] |= 1 << (i % 64);
        let b = &part.bwt;
        let (first_a, first_b) = (acc.first(), b.first());
        let dollars_a = first_a[0];
        // Row 0 of the part is its sentinel's suffix; walk to the whole text's suffix.
        let (mut r, mut k) = (0u64, dollars_a);
        set(r + k);
        for _ in 1..b.rows {
            assert_ne!(r, part.primary, "the walk reached the whole text too soon");
            if b.is_dollar(r) {
                // Separator-led suffixes follow the sentinel's in the part (rows 1..), ordered
                // as the dollars before `r` in the BWT (the sentinel's own row not counted).
                let before = b.dollars.partition_point(|&d| d < r) as u64;
                let primary_before = u64::from(part.primary < r);
                r = 1 + before - primary_before;
                k = dollars_a;
            } else {
                let c = b.code(r) as usize;
                r = first_b[c] + b.occ(r)[c];
                k = first_a[c] + acc.occ(k)[c];
            }
            set(r + k);
        }
        assert_eq!(r, part.primary, "the walk ends at the whole text's suffix");
        z
    }

    fn index(seq: &str, part: u64) -> super::super::FmdIndex {
        let codes = EncodedSeq::from_ascii(seq.as_bytes()).unwrap();
        let mut t = TextBuilder::with_part_limit(part);
        // runs of a few contigs, as index-genome adds them
        for (i, chunk) in codes.codes().chunks(97).enumerate() {
            let all = IntervalSet::from_unsorted(vec![(0, chunk.len() as u64)]);
            t.add_contig(i, "t", chunk, &all).unwrap();
        }
        t.finish(meta()).unwrap()
    }

    /// The text of runs as the builder makes it: each run, a separator, its reverse
    /// complement, a separator (bases 1..=4, separator 0).
    fn text_of(runs: &[Vec<u8>]) -> Vec<u8> {
        let mut t = Vec::new();
        for r in runs {
            t.extend(r.iter().map(|&b| b + 1));
            t.push(0);
            t.extend(r.iter().rev().map(|&b| 4 - b));
            t.push(0);
        }
        t
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn chains_interleaved_set_the_walks_rows(
            parts in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(0u8..4, 1..60), 1..40), 2..4),
        ) {
            let mut acc = super::super::build::sort(text_of(&parts[0])).unwrap().bwt;
            for runs in &parts[1..] {
                let part = super::super::build::sort(text_of(runs)).unwrap();
                let want = interleave_one_by_one(&acc, &part);
                prop_assert_eq!(interleave(&acc, &part, &|_| {}), want);
                acc = merge(&acc, &part, &|_| {});
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn parts_merged_count_as_one_pass(seq in "[ACGT]{1,20}([ACGTN]{0,40}[ACGT]{1,30}){1,12}", part in 1u64..200) {
            let whole = index(&seq, u64::MAX);
            let merged = index(&seq, part);
            // one sentinel row per part; the same bases
            prop_assert!(merged.rows() >= whole.rows());
            prop_assert_eq!(merged.totals(), whole.totals());
            for len in 1..=5usize {
                for code in 0..(1u64 << (2 * len)) {
                    let p: Vec<u8> = (0..len).map(|i| ((code >> (2 * i)) & 3) as u8).collect();
                    prop_assert_eq!(merged.count(&p), whole.count(&p));
                    // grown outwards from the middle, as the model grows contexts
                    let mid = len / 2;
                    let (mut a, mut b) = (merged.base(p[mid]), whole.base(p[mid]));
                    let (mut l, mut r) = (mid, mid + 1);
                    while l > 0 || r < len {
                        if l > 0 {
                            l -= 1;
                            a = merged.extend_left(a, p[l]);
                            b = whole.extend_left(b, p[l]);
                            prop_assert_eq!(a.size, b.size);
                        }
                        if r < len {
                            a = merged.extend_right(a, p[r]);
                            b = whole.extend_right(b, p[r]);
                            prop_assert_eq!(a.size, b.size);
                            r += 1;
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_repeat_across_parts_counts_every_copy() {
        let unit = "ACGTTGCAAGGCTTACGATCGATCGGATTACAGATTACA";
        let seq: String = (0..40)
            .map(|i| if i % 7 == 3 { "NNNN" } else { unit })
            .collect();
        let whole = index(&seq, u64::MAX);
        for part in [1, 50, 333, 1000] {
            let merged = index(&seq, part);
            for w in [&unit[..16], unit, &unit[5..30]] {
                let p = EncodedSeq::from_ascii(w.as_bytes()).unwrap();
                assert_eq!(
                    merged.count(p.codes()),
                    whole.count(p.codes()),
                    "{w} in parts of {part}"
                );
            }
        }
    }
}
