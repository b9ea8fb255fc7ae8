//! Repeat masks: soft-masked (lowercase) runs, symmetric DUST, and BED annotations, merged
//! into one sorted BED whose name column lists the source(s) of each interval.

pub mod dust;
#[cfg(test)]
mod dust_naive;
mod mask;

use crate::genome::{EncodedSeq, encode};
use crate::regions::{Interval, intervals::runs};

pub use dust::{DustParams, dust};
pub use mask::{MaskSources, source_name, write_mask};

/// Intervals of lowercase bases.
pub fn soft_masked(seq: &EncodedSeq) -> Vec<Interval> {
    runs(seq.codes().iter().map(|&c| encode::is_soft(c)))
}

/// A repeat interval `[start, end)` (0-based, half-open) and the sources that call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labelled {
    pub start: u64,
    pub end: u64,
    /// Bit i set when source i covers the interval.
    pub sources: u32,
}

impl Labelled {
    /// `interval` called by the sources in `sources`.
    pub fn new((start, end): Interval, sources: u32) -> Self {
        Labelled {
            start,
            end,
            sources,
        }
    }
}

/// Merges intervals from several sources: overlapping or touching intervals become one,
/// labelled with the union of their sources. Output is sorted by start.
pub fn merge_labelled(mut ivs: Vec<Labelled>) -> Vec<Labelled> {
    ivs.retain(|iv| iv.end > iv.start);
    ivs.sort_unstable_by_key(|iv| (iv.start, iv.end));
    let mut out: Vec<Labelled> = Vec::with_capacity(ivs.len());
    for iv in ivs {
        match out.last_mut() {
            Some(last) if iv.start <= last.end => {
                last.end = last.end.max(iv.end);
                last.sources |= iv.sources;
            }
            _ => out.push(iv),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_union() {
        let iv = |s, e, l| Labelled::new((s, e), l);
        let got = merge_labelled(vec![
            iv(10, 20, 1),
            iv(0, 5, 2),
            iv(15, 30, 2),
            iv(30, 31, 4),
            iv(40, 40, 1),
        ]);
        assert_eq!(got, vec![iv(0, 5, 2), iv(10, 31, 7)]);
    }

    #[test]
    fn soft_runs() {
        let s = EncodedSeq::from_ascii(b"acGTnNaa").unwrap();
        assert_eq!(soft_masked(&s), vec![(0, 2), (4, 5), (6, 8)]);
    }
}
