//! A brute-force reading of symmetric DUST as sdust computes it (Morgulis et al. 2006; Heng
//! Li's sdust, which pydustmasker and minimap2 follow), to test the linear-time
//! [`dust`](super::dust::dust) against.
//!
//! Within one run of ACGT bases, an interval x of l + 1 triplets scores
//! r(x) = sum over triplets t of c_t (c_t - 1) / 2 (c_t: occurrences of t in x). For each
//! window (the W - 2 triplets ending at each triplet e):
//! - v is its longest suffix in which no triplet occurs more than 2T/10 times, and the window
//!   is searched only when 10 r(window) > T |v|;
//! - the candidates are the intervals that end at e and start before v, longest last; one is
//!   perfect when 10 r(x) > T l(x) and no perfect interval found so far that starts inside it
//!   has a higher r / l.
//!
//! The mask is the union of the perfect intervals, runs of masked bases merged, but for one
//! quirk of sdust at the end of a piece of at least W bases (see the end of `mark_piece`). This
//! is the paper's definition (an interval perfect when no sub-interval scores higher) with
//! sdust's shortcuts spelled out; the definition alone differs on rare inputs
//! (tests::sdust_shortcuts_matter: the same intervals as pydustmasker 3.3.0).

use crate::genome::encode;
use crate::regions::{Interval, intervals::runs};

/// The masked intervals of `codes`, in O(n W^2) per window end.
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

/// A perfect interval: triplets `start..=end`, its score and length (triplets - 1).
struct Perfect {
    start: usize,
    end: usize,
    r: i64,
    l: i64,
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
    let mut found: Vec<Perfect> = Vec::new();
    let mut mark = |p: &Perfect| {
        masked[p.start..p.end + 3]
            .iter_mut()
            .for_each(|m| *m = true)
    };
    for e in 0..triplets.len() {
        let ws = (e + 1).saturating_sub(most);
        // intervals that start before the window can no longer be compared with
        found.retain(|p| {
            p.start >= ws || {
                mark(p);
                false
            }
        });
        add_perfect_ending(&triplets, ws, e, threshold, &mut found);
    }
    // sdust's last step: at the end of a piece of at least W bases it flushes from one base
    // beyond the last window's start (its start is computed at the N, not at the last base),
    // so where an interval starts at the last window's start, those that start one base later
    // are dropped.
    let last = piece.len().checked_sub(window);
    let first_is_there = last.is_some_and(|q| found.iter().any(|p| p.start == q));
    for p in &found {
        if !(first_is_there && Some(p.start) == last.map(|q| q + 1)) {
            mark(p);
        }
    }
}

/// Adds to `found` the perfect intervals that end at triplet `e` within the window that
/// starts at triplet `ws`: those above the threshold that no interval inside them beats.
fn add_perfect_ending(
    triplets: &[usize],
    ws: usize,
    e: usize,
    threshold: i64,
    found: &mut Vec<Perfect>,
) {
    let rw = score(&triplets[ws..=e]);
    // v: the longest suffix of the window with no triplet more than 2T/10 times
    let mut counts = [0i64; 64];
    let mut vs = e + 1;
    while vs > ws && (counts[triplets[vs - 1]] + 1) * 10 <= 2 * threshold {
        vs -= 1;
        counts[triplets[vs]] += 1;
    }
    if rw * 10 <= threshold * (e + 1 - vs) as i64 {
        return;
    }
    let mut r = score(&triplets[vs..=e]);
    for i in (ws..vs).rev() {
        r += counts[triplets[i]];
        counts[triplets[i]] += 1;
        let l = (e - i) as i64;
        debug_assert_eq!(r, score(&triplets[i..=e]));
        if r * 10 <= threshold * l {
            continue;
        }
        let beaten = found
            .iter()
            .filter(|p| p.start >= i)
            .any(|p| p.r * l > r * p.l);
        if !beaten {
            found.push(Perfect {
                start: i,
                end: e,
                r,
                l,
            });
        }
    }
}

/// r of a run of triplets.
fn score(triplets: &[usize]) -> i64 {
    let mut counts = [0i64; 64];
    triplets
        .iter()
        .map(|&t| {
            counts[t] += 1;
            counts[t] - 1
        })
        .sum()
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

    #[test]
    fn sdust_shortcuts_matter() {
        // By the paper's definition alone, 0..68 is one perfect interval (W = 78, T = 20);
        // sdust, and pydustmasker 3.3.0, mask 0..28 and 33..40 (proptest found it).
        let seq =
            "TAACTAACTAACTAACTAACTAACTAACCCCATCCCCCCCTAATCTACAATTACTAATACAACTACCCTCTTATCCCTCTN";
        assert_eq!(naive_dust(&codes(seq), 78, 20), vec![(0, 28), (33, 40)]);
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
