//! Rank over a BWT of A/C/G/T and "dollars" (the sentinel and the run separators): 2 bits a
//! base, 128 positions per 64-byte block (one cache line) that starts with the counts of
//! each base before it. A rank query reads one block and counts with a few popcounts.
//!
//! Dollars are stored as A in the bits; a block holding any sets [`DOLLAR_FLAG`] in its A
//! count, and its A rank is corrected from the sorted list of dollar positions (rare: two
//! per indexed run, plus one).

/// Positions per block.
pub const BLOCK: u64 = 128;
/// Set in `counts[0]` of a block that holds a dollar.
pub const DOLLAR_FLAG: u64 = 1 << 63;

/// One cache line: counts of A, C, G, T before the block, then 128 bases at 2 bits each
/// (position i of the block at bits 2(i % 32) of word i / 32).
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub counts: [u64; 4],
    pub bits: [u64; 4],
}

const LO: u64 = 0x5555_5555_5555_5555;

/// Counts of C, G and T among the 2-bit codes of `w` (pairs of zero bits count as A).
#[inline(always)]
fn cgt(w: u64) -> [u64; 3] {
    let lo = w & LO;
    let hi = (w >> 1) & LO;
    [
        (lo & !hi).count_ones() as u64,
        (hi & !lo).count_ones() as u64,
        (lo & hi).count_ones() as u64,
    ]
}

/// Occurrences of A, C, G, T in positions `0..i` of the BWT held by `blocks`.
#[inline]
pub fn occ(blocks: &[Block], dollars: &[u64], i: u64) -> [u64; 4] {
    let b = &blocks[(i / BLOCK) as usize];
    let o = i % BLOCK;
    let mut c = [0u64; 3];
    let full = (o / 32) as usize;
    for w in &b.bits[..full] {
        let x = cgt(*w);
        c[0] += x[0];
        c[1] += x[1];
        c[2] += x[2];
    }
    let rest = o % 32;
    if rest != 0 {
        let x = cgt(b.bits[full] & ((1u64 << (2 * rest)) - 1));
        c[0] += x[0];
        c[1] += x[1];
        c[2] += x[2];
    }
    let mut a = o - c[0] - c[1] - c[2];
    if b.counts[0] & DOLLAR_FLAG != 0 {
        let start = i - o;
        let lo = dollars.partition_point(|&d| d < start);
        let hi = dollars.partition_point(|&d| d < i);
        a -= (hi - lo) as u64;
    }
    [
        (b.counts[0] & !DOLLAR_FLAG) + a,
        b.counts[1] + c[0],
        b.counts[2] + c[1],
        b.counts[3] + c[2],
    ]
}

/// The 2-bit code at position `i` (a dollar reads as A, code 0).
#[inline]
pub fn code(blocks: &[Block], i: u64) -> u8 {
    let o = i % BLOCK;
    ((blocks[(i / BLOCK) as usize].bits[(o / 32) as usize] >> (2 * (o % 32))) & 3) as u8
}

/// Occurrences of each base in the whole BWT of `rows` positions, and the first row of
/// each base (the rows before A's are the dollars').
pub fn totals_and_first(blocks: &[Block], dollars: &[u64], rows: u64) -> ([u64; 4], [u64; 4]) {
    let totals = occ(blocks, dollars, rows);
    let mut acc = rows - totals.iter().sum::<u64>();
    let first = std::array::from_fn(|b| {
        let f = acc;
        acc += totals[b];
        f
    });
    (totals, first)
}

/// Builds blocks from a stream of BWT symbols: `Some(base 0..4)` or `None` for a dollar.
pub struct BlockBuilder {
    pub blocks: Vec<Block>,
    pub dollars: Vec<u64>,
    counts: [u64; 4],
    cur: Block,
    n: u64,
}

impl BlockBuilder {
    pub fn with_capacity(n: u64) -> Self {
        BlockBuilder {
            blocks: Vec::with_capacity((n / BLOCK + 2) as usize),
            dollars: Vec::new(),
            counts: [0; 4],
            cur: Block::default(),
            n: 0,
        }
    }

    #[inline]
    pub fn push(&mut self, sym: Option<u8>) {
        let o = self.n % BLOCK;
        if o == 0 {
            self.cur = Block {
                counts: self.counts,
                bits: [0; 4],
            };
        }
        match sym {
            Some(b) => {
                self.cur.bits[(o / 32) as usize] |= (b as u64) << (2 * (o % 32));
                self.counts[b as usize] += 1;
            }
            None => {
                self.cur.counts[0] |= DOLLAR_FLAG;
                self.dollars.push(self.n);
            }
        }
        self.n += 1;
        if self.n.is_multiple_of(BLOCK) {
            self.blocks.push(self.cur);
        }
    }

    /// The blocks (a last one always follows the final position, so `occ(n)` is defined),
    /// the dollar positions and the number of positions.
    pub fn finish(mut self) -> (Vec<Block>, Vec<u64>, u64) {
        if !self.n.is_multiple_of(BLOCK) {
            self.blocks.push(self.cur);
        }
        if self.n.is_multiple_of(BLOCK) {
            self.blocks.push(Block {
                counts: self.counts,
                bits: [0; 4],
            });
        }
        (self.blocks, self.dollars, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn occ_matches_naive(syms in proptest::collection::vec(0u8..5, 0..700)) {
            let mut b = BlockBuilder::with_capacity(syms.len() as u64);
            for &s in &syms {
                b.push((s < 4).then_some(s));
            }
            let (blocks, dollars, n) = b.finish();
            prop_assert_eq!(n, syms.len() as u64);
            let mut want = [0u64; 4];
            for i in 0..=syms.len() {
                prop_assert_eq!(occ(&blocks, &dollars, i as u64), want, "at {}", i);
                if i < syms.len() && syms[i] < 4 {
                    want[syms[i] as usize] += 1;
                }
            }
        }
    }
}
