//! Repeat masks: soft-masked (lowercase) runs, symmetric DUST, and BED annotations, merged
//! into one sorted BED whose name column lists the source(s) of each interval.

pub mod dust;

use crate::genome::{EncodedSeq, encode};
use crate::regions::{Interval, intervals::runs};

pub use dust::{DustParams, dust};

/// Intervals of lowercase bases.
pub fn soft_masked(seq: &EncodedSeq) -> Vec<Interval> {
    runs(seq.codes().iter().map(|&c| encode::is_soft(c)))
}

/// Intervals with the set of sources (bit i = source i) that cover them.
pub type Labelled = (u64, u64, u32);

/// Merges intervals from several sources: overlapping or touching intervals become one,
/// labelled with the union of their sources. Output is sorted by start.
pub fn merge_labelled(mut ivs: Vec<Labelled>) -> Vec<Labelled> {
    ivs.retain(|&(s, e, _)| e > s);
    ivs.sort_unstable_by_key(|&(s, e, _)| (s, e));
    let mut out: Vec<Labelled> = Vec::with_capacity(ivs.len());
    for (s, e, l) in ivs {
        match out.last_mut() {
            Some(last) if s <= last.1 => {
                last.1 = last.1.max(e);
                last.2 |= l;
            }
            _ => out.push((s, e, l)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_union() {
        let got = merge_labelled(vec![
            (10, 20, 1),
            (0, 5, 2),
            (15, 30, 2),
            (30, 31, 4),
            (40, 40, 1),
        ]);
        assert_eq!(got, vec![(0, 5, 2), (10, 31, 7)]);
    }

    #[test]
    fn soft_runs() {
        let s = EncodedSeq::from_ascii(b"acGTnNaa").unwrap();
        assert_eq!(soft_masked(&s), vec![(0, 2), (4, 5), (6, 8)]);
    }
}
