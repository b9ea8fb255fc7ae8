//! Every context of the lowest orders looked up once, when a model is made.
//!
//! A position's counting starts from its base alone and extends one base each side an
//! order, and every position takes the first orders: on a human-size index orders 1 to 5 were
//! more than half of the walk (4.5 of 8 s per million positions at k = 16), since at orders
//! 4 and 5 every extension misses the caches. Here the bi-intervals of every string
//! `L_j b R_j` up to order [`LowOrders::top`] (5 on a large index: 4^11 strings, 100 MB) are
//! computed once, level by level, 64 children of a parent context from five
//! extensions of all four bases, and a walk reads its first orders from them (four adjacent
//! entries an order) before it extends on its own (docs/benchmarks.md, "The lowest orders
//! from a table"). A bi-interval is the string's, whatever the order of the extensions that
//! reached it, so the counts are those of the walk.

use rayon::prelude::*;

use super::index::{BiInterval, FmdIndex};

/// The highest order tabled: 4^11 strings at order 5 take 100 MB; order 6 would take 1.6 GB.
pub const MAX_TOP: usize = 5;

/// The bi-intervals of every string of the orders `0..=top`.
///
/// The context of order `j` is numbered from the center outwards, two bits a base:
/// `ctx_j = ctx_{j-1} * 16 + l_j * 4 + r_j` with `l_j`, `r_j` the bases `j` to the left and
/// right of the center ([`LowOrders::context`]); its four strings, one per center base `b`,
/// are the entries `ctx_j * 4 + b` of level `j`. So the 64 children of a parent context's
/// four strings are adjacent, and so are the four strings a position reads at each order.
pub struct LowOrders {
    levels: Vec<Vec<BiInterval>>,
}

impl LowOrders {
    /// The highest order worth tabling for an index of `rows` and a model of order `k`: at
    /// most [`MAX_TOP`] and `k`, and at most one string in the table per 64 rows of the
    /// index (a table smaller than the index; a small index is quicker to walk than to table).
    pub fn top_for(rows: u64, k: usize) -> usize {
        (1..=MAX_TOP.min(k))
            .rev()
            .find(|&j| 4u64.pow(2 * j as u32 + 1) <= rows / 64)
            .unwrap_or(0)
    }

    /// The tables of `idx` up to order `top` (at most [`MAX_TOP`]), each level's parents
    /// extended in parallel.
    pub fn build(idx: &FmdIndex, top: usize) -> LowOrders {
        assert!(top <= MAX_TOP, "order {top} is above {MAX_TOP}");
        let mut levels = vec![(0..4).map(|b| idx.base(b)).collect::<Vec<_>>()];
        for _ in 1..=top {
            let parents = levels.last().expect("level 0");
            let mut level = vec![BiInterval::default(); parents.len() * 16];
            level
                .par_chunks_mut(64)
                .zip(parents.par_chunks(4))
                .for_each(|(kids, ps)| children(idx, ps, kids));
            levels.push(level);
        }
        LowOrders { levels }
    }

    /// The highest order tabled.
    pub fn top(&self) -> usize {
        self.levels.len() - 1
    }

    /// The context of order `j` from that of order `j - 1` and the bases `l` (left) and `r`
    /// (right) that extend it.
    #[inline]
    pub fn context(ctx: usize, l: u8, r: u8) -> usize {
        ctx << 4 | (l as usize) << 2 | r as usize
    }

    /// Level `j`: every context's four bi-intervals.
    pub fn level(&self, j: usize) -> &[BiInterval] {
        &self.levels[j]
    }

    /// The bi-intervals of `L_j b R_j` for the four bases `b` of context `ctx` of order `j`.
    #[inline]
    pub fn at(&self, j: usize, ctx: usize) -> &[BiInterval; 4] {
        self.levels[j][4 * ctx..4 * ctx + 4]
            .try_into()
            .expect("four entries")
    }
}

/// The 64 children (`kids`) of one context's four strings (`ps`, one per center base):
/// `l P_b r` at `l * 16 + r * 4 + b`.
fn children(idx: &FmdIndex, ps: &[BiInterval], kids: &mut [BiInterval]) {
    for (b, p) in ps.iter().enumerate() {
        for (l, x) in idx.extend_left_all(*p).into_iter().enumerate() {
            for (r, y) in idx.extend_right_all(x).into_iter().enumerate() {
                kids[l * 16 + r * 4 + b] = y;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markov::build::{TextBuilder, tests::meta};
    use crate::regions::IntervalSet;
    use crate::rng::SplitMix64;

    /// Every tabled string's bi-interval is the one extension by extension gives, and the
    /// order chosen grows with the index.
    #[test]
    fn tables_hold_every_context_as_the_walk_extends_it() {
        let mut rng = SplitMix64(5);
        let genome: Vec<u8> = (0..3000).map(|_| rng.below(4) as u8).collect();
        let mut text = TextBuilder::new();
        let all = IntervalSet::from_unsorted(vec![(0, 3000)]);
        text.add_contig(0, "t", &genome, &all).unwrap();
        let idx = text.finish(meta()).unwrap();
        let low = LowOrders::build(&idx, MAX_TOP);
        assert_eq!(low.top(), MAX_TOP);
        let w = 2 * MAX_TOP + 1;
        for _ in 0..2000 {
            // a string of the genome (found up to some order) or at random (mostly not)
            let at = rng.below((3000 - w) as u64) as usize;
            let s: Vec<u8> = if rng.below(2) == 0 {
                genome[at..at + w].to_vec()
            } else {
                (0..w).map(|_| rng.below(4) as u8).collect()
            };
            let mut ctx = 0;
            let mut iv: [BiInterval; 4] = std::array::from_fn(|b| idx.base(b as u8));
            for j in 1..=MAX_TOP {
                let (l, r) = (s[MAX_TOP - j], s[MAX_TOP + j]);
                ctx = LowOrders::context(ctx, l, r);
                iv = iv.map(|x| idx.extend_right(idx.extend_left(x, l), r));
                let got = low.at(j, ctx);
                for b in 0..4 {
                    assert_eq!(got[b].size, iv[b].size, "order {j}, {s:?}");
                    if iv[b].size > 0 {
                        assert_eq!(got[b], iv[b], "order {j}, {s:?}");
                    }
                }
            }
        }
        assert_eq!(LowOrders::top_for(6_200_000_000, 16), 5);
        assert_eq!(LowOrders::top_for(98_000_000, 16), 4);
        assert_eq!(LowOrders::top_for(98_000_000, 3), 3);
        assert_eq!(LowOrders::top_for(12_000, 16), 1);
        assert_eq!(LowOrders::top_for(100, 16), 0);
    }
}
