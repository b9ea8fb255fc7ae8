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
pub fn merge(acc: &Bwt, part: &PartBwt, progress: &dyn Fn(u64)) -> Bwt {
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
fn interleave(acc: &Bwt, part: &PartBwt, progress: &dyn Fn(u64)) -> Vec<u64> {
    let rows = acc.rows + part.bwt.rows;
    let mut z = vec![0u64; rows.div_ceil(64) as usize];
    let mut set = |i: u64| z[(i / 64) as usize] |= 1 << (i % 64);
    let b = &part.bwt;
    let (first_a, first_b) = (acc.first(), b.first());
    let dollars_a = first_a[0];
    // Row 0 of the part is its sentinel's suffix; walk to the whole text's suffix.
    let (mut r, mut k) = (0u64, dollars_a);
    set(r + k);
    for done in 1..b.rows {
        if r == part.primary {
            unreachable!("the walk reached the whole text before visiting every suffix");
        }
        if b.is_dollar(r) {
            // Separator-led suffixes follow the sentinel's in the part (rows 1..), ordered as
            // the dollars before `r` in the BWT (the sentinel's own row not counted).
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
        if done % (1 << 24) == 0 {
            progress(done);
        }
    }
    debug_assert_eq!(r, part.primary, "the walk ends at the whole text's suffix");
    z
}

#[cfg(test)]
mod tests {
    use super::super::build::{TextBuilder, tests::meta};
    use crate::genome::EncodedSeq;
    use crate::regions::IntervalSet;
    use proptest::prelude::*;

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
