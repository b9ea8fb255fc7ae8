//! Many positions' counting at once, their lookups interleaved.
//!
//! One position's counting is a chain of dependent reads: each order extends the intervals of
//! the one before, and each extension reads a block of the index (64 bytes) per end of an
//! interval, first on the left of the string and then, from that result, on the right. An
//! index larger than the caches (a human one is 1.5 GB) makes every read wait for memory, one
//! after the other. Here [`LANES`] positions advance together, one order a round: each round
//! asks for all the blocks its left extensions will read, extends, asks for all the blocks of
//! the right extensions, and extends again, so that the reads of a position's four intervals
//! and of different positions overlap in the memory system instead of waiting in turn (as
//! BWA-MEM2 does for its seeds): 2.5 times the positions per second on a human-size index,
//! 1.9 on the demo's (docs/benchmarks.md, "Interleaved FM-index lookups"). What a
//! position does with its counts is a [`Walk`]: the Markov model's prediction ([`Predict`])
//! or the longest copy (`copies::CopyWalk`). A walk reads its lowest orders from the
//! model's tables ([`LowOrders`]) as it starts and extends from there. Each walk's arithmetic
//! is that of its one-at-a-time loop, in the same order, so the results are identical.

use std::collections::VecDeque;

use super::index::{BiInterval, FmdIndex};
use super::low::LowOrders;
use crate::genome::encode;

/// Positions (in index-genome's merge, chains) advanced together on one thread. On a 1.5 GB
/// index any number from 4 to 64 gave the same speed, 20% above one position at a time
/// (docs/benchmarks.md, "Interleaved FM-index lookups"): the prefetches are most of the gain,
/// and the blocks asked for in a round of 16 are still in L1 when they are read.
pub const LANES: usize = 16;

/// How deep a position's context was found: the highest order j whose counts (after
/// leave-one-out) entered its prediction, and their total `N_j`. Zero orders and counts where
/// nothing was counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reach {
    pub order: usize,
    pub count: u64,
}

/// One position's walk through the orders, one extension on each side a round.
pub(super) trait Walk {
    /// The position's center in the chunk.
    fn center(&self) -> usize;
    /// The order the next extension reaches (after [`start`](Self::start): one above the
    /// orders read from the tables, 1 without them).
    fn order(&self) -> usize;
    /// The intervals extended each round (those of size 0 stay as they are).
    fn intervals(&mut self) -> &mut [BiInterval];
    /// Takes in order 0 (no extension), and any orders it reads from tables
    /// ([`LowOrders`]) rather than extends; false when the walk ends there.
    fn start(&mut self, chunk: &[u8]) -> bool;
    /// Takes in the intervals just extended to [`order`](Self::order) by the bases `l` on
    /// the left and `r` on the right; false when the walk ends there.
    fn extended(&mut self, l: u8, r: u8) -> bool;
    /// Asks for what [`start`](Self::start) will read, some walks before it is called.
    fn prefetch(&self, _chunk: &[u8]) {}
}

/// Asks the memory system for `items[i]` (if there is one) without waiting for it: into L1
/// on x86-64 and AArch64, nothing elsewhere (the reads then come when they are made).
#[inline(always)]
pub(super) fn prefetch<T>(items: &[T], i: usize) {
    if let Some(x) = items.get(i) {
        let p = x as *const T;
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that reads nothing; the address is a live item's.
        unsafe {
            std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0)
        };
        #[cfg(target_arch = "aarch64")]
        // SAFETY: as above (checked with rustc --target aarch64-unknown-linux-gnu).
        unsafe {
            std::arch::asm!(
                "prfm pldl1keep, [{0}]",
                in(reg) p,
                options(nostack, readonly, preserves_flags)
            )
        };
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        let _ = p;
    }
}

/// Asks for the block that `occ(row)` reads.
#[inline(always)]
fn prefetch_row(idx: &FmdIndex, row: u64) {
    prefetch(idx.blocks(), (row / super::rank::BLOCK) as usize);
}

/// Asks for the blocks an extension of `iv` reads: on the left, or on the right (the reverse
/// complement's, on the left).
#[inline(always)]
fn prefetch_ends(idx: &FmdIndex, iv: &BiInterval, right: bool) {
    if iv.size > 0 {
        let lo = if right { iv.lo_rc } else { iv.lo };
        prefetch_row(idx, lo);
        prefetch_row(idx, lo + iv.size);
    }
}

/// Asks for the entries of `low` that a walk centred at `i` (in `chunk`, clean up to order
/// `top`) reads at its two highest tabled orders, those beyond the caches on a large index.
pub(super) fn prefetch_tables(low: &LowOrders, chunk: &[u8], i: usize, top: usize) {
    let t = top.min(low.top());
    let mut ctx = 0;
    for j in 1..=t {
        ctx = LowOrders::context(ctx, encode::base(chunk[i - j]), encode::base(chunk[i + j]));
        if j + 2 > t {
            prefetch(low.level(j), 4 * ctx);
            prefetch(low.level(j), 4 * ctx + 3);
        }
    }
}

/// Runs every walk of `walks` (each at order 0) over `chunk` to its end, [`LANES`] at a time,
/// and hands each finished one to `done` (in the order they finish). Each walk is asked to
/// [`prefetch`](Walk::prefetch) [`LANES`] walks before it starts.
pub(super) fn walk_all<W: Walk>(
    idx: &FmdIndex,
    chunk: &[u8],
    walks: impl IntoIterator<Item = W>,
    mut done: impl FnMut(W),
) {
    let mut next = walks.into_iter();
    let mut ahead: VecDeque<W> = VecDeque::with_capacity(LANES);
    let mut lanes: Vec<W> = Vec::with_capacity(LANES);
    let bases = |w: &W| {
        let (i, j) = (w.center(), w.order());
        (encode::base(chunk[i - j]), encode::base(chunk[i + j]))
    };
    loop {
        while lanes.len() < LANES {
            while ahead.len() < LANES {
                let Some(w) = next.next() else { break };
                w.prefetch(chunk);
                ahead.push_back(w);
            }
            let Some(mut w) = ahead.pop_front() else {
                break;
            };
            if w.start(chunk) {
                lanes.push(w);
            } else {
                done(w);
            }
        }
        if lanes.is_empty() {
            return;
        }
        for w in &mut lanes {
            w.intervals()
                .iter()
                .for_each(|x| prefetch_ends(idx, x, false));
        }
        for w in &mut lanes {
            let (l, _) = bases(w);
            for x in w.intervals().iter_mut().filter(|x| x.size > 0) {
                *x = idx.extend_left(*x, l);
                prefetch_ends(idx, x, true);
            }
        }
        let mut k = 0;
        while k < lanes.len() {
            let w = &mut lanes[k];
            let (l, r) = bases(w);
            for x in w.intervals().iter_mut().filter(|x| x.size > 0) {
                *x = idx.extend_right(*x, r);
            }
            if w.extended(l, r) {
                k += 1;
            } else {
                done(lanes.swap_remove(k));
            }
        }
    }
}

/// What one position needs: its center `i` in the chunk, the highest order whose window is
/// clean (`top`), and the highest order whose window lies in an indexed run (its own
/// occurrence, left out), if any.
#[derive(Clone, Copy, Debug)]
pub(super) struct Query {
    pub i: usize,
    pub top: usize,
    pub own: Option<usize>,
}

/// The settings that shape the Markov model's arithmetic.
#[derive(Clone, Copy, Debug)]
pub(super) struct Chain {
    pub alpha: f64,
    pub min_order: usize,
}

/// The Markov model's prediction of one position (its `slot` among the chunk's), order after
/// order: `p_j(b) = (n_j(b) + alpha p_{j-1}(b)) / (N_j + alpha)` from the lowest order of the
/// chain, until nothing is left to count; the orders of `low` read from its tables.
#[derive(Clone, Copy)]
pub(super) struct Predict<'a> {
    low: &'a LowOrders,
    pub slot: usize,
    q: Query,
    alpha: f64,
    /// The center's base code.
    t: usize,
    /// The lowest order whose counts enter the prediction.
    first: usize,
    /// The order of the intervals.
    j: usize,
    iv: [BiInterval; 4],
    pub p: [f64; 4],
    pub reach: Reach,
    /// `L_j` is the reverse complement of `R_j`.
    palindrome: bool,
}

impl<'a> Predict<'a> {
    pub fn new(
        idx: &FmdIndex,
        low: &'a LowOrders,
        chain: &Chain,
        slot: usize,
        q: Query,
        center: u8,
    ) -> Predict<'a> {
        Predict {
            low,
            slot,
            q,
            alpha: chain.alpha,
            t: encode::base(center) as usize,
            first: chain.min_order.min(q.top),
            j: 0,
            iv: std::array::from_fn(|b| idx.base(b as u8)),
            p: [0.25; 4],
            reach: Reach::default(),
            palindrome: true,
        }
    }

    /// Folds the counts of order `j` into the prediction; false when nothing is left to count,
    /// so that higher orders change nothing.
    fn fold(&mut self) -> bool {
        let j = self.j;
        if j < self.first {
            return true;
        }
        let t = self.t;
        let mut n = self.iv.map(|x| x.size);
        if self.q.own.is_some_and(|o| j <= o) {
            n[t] = n[t].saturating_sub(1);
            if self.palindrome {
                n[3 - t] = n[3 - t].saturating_sub(1);
            }
        }
        let total = n.iter().sum::<u64>() as f64;
        if total == 0.0 {
            return false;
        }
        let (p, alpha) = (self.p, self.alpha);
        self.p = std::array::from_fn(|b| (n[b] as f64 + alpha * p[b]) / (total + alpha));
        self.reach = Reach {
            order: j,
            count: total as u64,
        };
        true
    }

    /// Whether another order is to be counted after `j`; moves on to it if so.
    fn next_order(&mut self) -> bool {
        self.j += 1;
        self.j <= self.q.top
    }
}

impl Walk for Predict<'_> {
    fn center(&self) -> usize {
        self.q.i
    }

    fn order(&self) -> usize {
        self.j
    }

    fn intervals(&mut self) -> &mut [BiInterval] {
        &mut self.iv
    }

    fn prefetch(&self, chunk: &[u8]) {
        prefetch_tables(self.low, chunk, self.q.i, self.q.top);
    }

    fn start(&mut self, chunk: &[u8]) -> bool {
        if !(self.fold() && self.next_order()) {
            return false;
        }
        let (i, mut ctx) = (self.q.i, 0);
        while self.j <= self.low.top() {
            let (l, r) = (
                encode::base(chunk[i - self.j]),
                encode::base(chunk[i + self.j]),
            );
            ctx = LowOrders::context(ctx, l, r);
            self.iv = *self.low.at(self.j, ctx);
            if !self.extended(l, r) {
                return false;
            }
        }
        true
    }

    fn extended(&mut self, l: u8, r: u8) -> bool {
        self.palindrome &= l == 3 - r;
        self.iv.iter().any(|x| x.size > 0) && self.fold() && self.next_order()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::markov::build::{TextBuilder, tests::meta};
    use crate::regions::IntervalSet;
    use crate::rng::SplitMix64;

    /// A genome with repeats (copies with a few changes), so that counting goes deep.
    fn repetitive(rng: &mut SplitMix64, len: usize) -> Vec<u8> {
        let mut s: Vec<u8> = (0..len / 4 + 100)
            .map(|_| b"ACGT"[rng.below(4) as usize])
            .collect();
        while s.len() < len {
            let from = rng.below(s.len() as u64 - 40) as usize;
            let n = 20 + rng.below(60) as usize;
            let mut copy: Vec<u8> = s[from..(from + n).min(s.len())].to_vec();
            for b in copy.iter_mut() {
                if rng.below(30) == 0 {
                    *b = b"ACGT"[rng.below(4) as usize];
                } else if rng.below(1000) == 0 {
                    *b = b'N';
                }
            }
            s.extend(copy);
        }
        s.truncate(len);
        s
    }

    /// Every position of chunks drawn from the indexed genome and from new sequence, with
    /// orders, own-occurrence orders and chain settings drawn at random: the interleaved
    /// lookups, their lowest orders read from tables of each height, give the one-at-a-time
    /// results to the bit.
    #[test]
    fn interleaved_lookups_match_one_position_at_a_time() {
        let mut rng = SplitMix64(31);
        let genome = repetitive(&mut rng, 6000);
        let seq = EncodedSeq::from_ascii(&genome).unwrap();
        let mut text = TextBuilder::new();
        text.add_contig(
            0,
            "t",
            seq.codes(),
            &IntervalSet::from_unsorted(vec![(0, 6000)]),
        )
        .unwrap();
        let idx = text.finish(meta()).unwrap();
        let lows = [0, 1, 2, 3, 5].map(|top| LowOrders::build(&idx, top));
        // per table height: positions counted to order 8 or more, and positions whose own
        // occurrence was left out at orders read from the tables
        let (mut deep, mut own_tabled) = ([0; 5], [0; 5]);
        for round in 0..80 {
            let h = round % lows.len();
            let low = &lows[h];
            let (chunk, chain, queries) = draw(&mut rng, &genome, round % 2 == 0);
            let mut got = vec![([0.0; 4], Reach::default()); queries.len()];
            let walks = (queries.iter().enumerate())
                .map(|(slot, q)| Predict::new(&idx, low, &chain, slot, *q, chunk[q.i]));
            walk_all(&idx, &chunk, walks, |w| got[w.slot] = (w.p, w.reach));
            for (q, g) in queries.iter().zip(&got) {
                let want = one_position(&idx, &chain, &chunk, *q);
                assert_eq!(g.1, want.1, "reach at {} of round {round}", q.i);
                assert_eq!(
                    g.0.map(f64::to_bits),
                    want.0.map(f64::to_bits),
                    "at {}",
                    q.i
                );
                deep[h] += (want.1.order >= 8) as usize;
                own_tabled[h] +=
                    (q.own.is_some_and(|o| o >= 1) && want.1.order >= 1 && low.top() >= 1) as usize;
            }
        }
        for (h, low) in lows.iter().enumerate() {
            assert!(
                deep[h] > 20,
                "tables to order {}: only {} positions counted to order 8 or more",
                low.top(),
                deep[h]
            );
            assert!(
                low.top() == 0 || own_tabled[h] > 20,
                "tables to order {}: only {} positions left out at tabled orders",
                low.top(),
                own_tabled[h]
            );
        }
    }

    /// A chunk of `genome` (`from_genome`) or of new sequence, with chain settings and its
    /// positions' queries (orders and own-occurrence orders) drawn at random.
    fn draw(
        rng: &mut SplitMix64,
        genome: &[u8],
        from_genome: bool,
    ) -> (Vec<u8>, Chain, Vec<Query>) {
        let k = 1 + rng.below(16) as usize;
        let len = 2 * k + 1 + rng.below(200) as usize;
        let ascii: Vec<u8> = if from_genome {
            let at = rng.below((genome.len() - len) as u64) as usize;
            genome[at..at + len].to_vec()
        } else {
            repetitive(rng, len)
        };
        let chunk = EncodedSeq::from_ascii(&ascii).unwrap().codes().to_vec();
        let chain = Chain {
            alpha: [0.5, 24.0, 100.0][rng.below(3) as usize],
            min_order: [0, 0, 3, k][rng.below(4) as usize],
        };
        let clean = super::super::model::clean_orders(&chunk, k);
        let queries: Vec<Query> = (k..len - k)
            .filter(|&i| encode::is_acgt(chunk[i]))
            .map(|i| Query {
                i,
                top: rng.below(clean[i] as u64 + 1) as usize,
                own: (rng.below(2) == 0).then(|| rng.below(k as u64 + 2) as usize),
            })
            .collect();
        (chunk, chain, queries)
    }

    /// One position counted alone, order after order: the reference for [`Predict`].
    fn one_position(idx: &FmdIndex, chain: &Chain, chunk: &[u8], q: Query) -> ([f64; 4], Reach) {
        let (i, top, own) = (q.i, q.top, q.own);
        let start = chain.min_order.min(top);
        let t = encode::base(chunk[i]) as usize;
        let mut iv: [BiInterval; 4] = std::array::from_fn(|b| idx.base(b as u8));
        let mut p = [0.25f64; 4];
        let mut reach = Reach::default();
        let mut palindrome = true;
        for j in 0..=top {
            if j > 0 {
                let l = encode::base(chunk[i - j]);
                let r = encode::base(chunk[i + j]);
                palindrome &= l == 3 - r;
                let mut any = false;
                for x in iv.iter_mut().filter(|x| x.size > 0) {
                    *x = idx.extend_right(idx.extend_left(*x, l), r);
                    any |= x.size > 0;
                }
                if !any {
                    break;
                }
            }
            if j < start {
                continue;
            }
            let mut n = iv.map(|x| x.size);
            if own.is_some_and(|o| j <= o) {
                n[t] = n[t].saturating_sub(1);
                if palindrome {
                    n[3 - t] = n[3 - t].saturating_sub(1);
                }
            }
            let total = n.iter().sum::<u64>() as f64;
            if total == 0.0 {
                break;
            }
            let alpha = chain.alpha;
            p = std::array::from_fn(|b| (n[b] as f64 + alpha * p[b]) / (total + alpha));
            reach = Reach {
                order: j,
                count: total as u64,
            };
        }
        (p, reach)
    }
}
