//! A brute-force reading of symmetric DUST's definition (Morgulis et al. 2006), to test the
//! linear-time [`dust`](super::dust::dust) against.
//!
//! Within one run of ACGT bases, an interval x of at most W bases (l + 1 triplets) scores
//! r(x) = sum over triplets t of c_t (c_t - 1) / 2 (c_t: occurrences of t in x). x is perfect
//! when 10 r(x) > T l(x) and no sub-interval y of x scores higher per triplet pair:
//! r(y) l(x) <= r(x) l(y). The mask is the union of the perfect intervals, runs of masked
//! bases merged.

use crate::genome::encode;
use crate::regions::{Interval, intervals::runs};

/// The masked intervals of `codes` by the definition, in O(n W^3).
pub fn naive_dust(codes: &[u8], window: usize, threshold: i64) -> Vec<Interval> {
    let mut masked = vec![false; codes.len()];
    let mut start = 0;
    while start < codes.len() {
        let len = codes[start..]
            .iter()
            .take_while(|&&c| encode::is_acgt(c))
            .count();
        mark_piece(
            &codes[start..start + len],
            window,
            threshold,
            &mut masked[start..],
        );
        start += len + 1;
    }
    runs(masked)
}

/// Marks the bases of `piece` (ACGT only) that lie in a perfect interval.
fn mark_piece(piece: &[u8], window: usize, threshold: i64, masked: &mut [bool]) {
    if piece.len() < 3 {
        return;
    }
    let triplets: Vec<usize> = piece
        .windows(3)
        .map(|w| {
            w.iter()
                .fold(0, |t, &c| (t << 2) | encode::base(c) as usize)
        })
        .collect();
    let most = window.saturating_sub(2).max(1); // triplets in W bases
    let score = scores(&triplets, most);
    let r = |a: usize, b: usize| score[a][b - a];
    for a in 0..triplets.len() {
        for b in a..triplets.len().min(a + most) {
            let (rx, lx) = (r(a, b), (b - a) as i64);
            if rx * 10 <= threshold * lx {
                continue;
            }
            let beaten = (a..=b).any(|s| (s..=b).any(|e| r(s, e) * lx > rx * (e - s) as i64));
            if !beaten {
                masked[a..b + 3].iter_mut().for_each(|m| *m = true);
            }
        }
    }
}

/// `scores[a][d]`: r of triplets a..=a+d, for d < `most`.
fn scores(triplets: &[usize], most: usize) -> Vec<Vec<i64>> {
    (0..triplets.len())
        .map(|a| {
            let mut counts = [0i64; 64];
            let mut r = 0;
            triplets[a..triplets.len().min(a + most)]
                .iter()
                .map(|&t| {
                    r += counts[t];
                    counts[t] += 1;
                    r
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::repeats::dust::{DustParams, dust};
    use proptest::prelude::*;

    fn codes(s: &str) -> Vec<u8> {
        EncodedSeq::from_ascii(s.as_bytes())
            .unwrap()
            .codes()
            .to_vec()
    }

    /// Low-complexity stretches (short motifs repeated, with the odd substitution), random
    /// stretches and N runs, in any order.
    fn sequence() -> impl Strategy<Value = String> {
        let motif = ("[ACGT]{1,5}", 2usize..30).prop_map(|(m, n)| m.repeat(n));
        let random = "[ACGT]{1,40}".prop_map(|s| s);
        let skewed = "[AAAAACT]{1,60}".prop_map(|s| s);
        let unknown = "N{1,3}".prop_map(|s| s);
        prop::collection::vec(
            prop_oneof![3 => motif, 2 => random, 2 => skewed, 1 => unknown],
            1..8,
        )
        .prop_map(|parts| parts.concat())
    }

    #[test]
    fn known_cases() {
        let s = codes(&format!("{}N{}", "A".repeat(30), "A".repeat(30)));
        assert_eq!(naive_dust(&s, 64, 20), vec![(0, 30), (31, 61)]);
        let random = codes("GATCCTAGCTTGACGATCGGATCAGTCCATGCAAGTCTGACTGAGTCGATGCTAGCTAGGCT");
        assert!(naive_dust(&random, 64, 20).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn dust_equals_the_definition(
            seq in sequence(),
            window in prop_oneof![Just(64usize), 4usize..80],
            threshold in prop_oneof![Just(20i64), 10i64..40],
        ) {
            let c = codes(&seq);
            let params = DustParams { window, threshold };
            prop_assert_eq!(dust(&c, params), naive_dust(&c, window, threshold), "{}", seq);
        }
    }
}
