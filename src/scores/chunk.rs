//! One scored chunk summarized: its track values and its metric sums.

use crate::genome::encode;
use crate::metrics::{Calibration, Sums};
use crate::predict::Probs;
use crate::regions::IntervalSet;
use crate::target::Target;

use super::TrackValues;

/// The values and sums of the predictions `start..start + n` of one contig.
pub struct ChunkScores {
    pub start: u64,
    pub values: TrackValues,
    pub sums: Sums,
    pub calibration: Calibration,
}

impl ChunkScores {
    /// Summarizes `probs`, the predictions of `codes[start..]`: positions that are not
    /// A/C/G/T, or have no prediction, get no value and count nowhere. A position is a
    /// repeat when `repeats` holds it, or (without `repeats`) when it is soft-masked; it
    /// counts in annotation class `i` when `classes[i]` holds it. `target`: what the model
    /// predicts (a two-class model's p_ref, entropy and calibration are of its classes).
    pub fn summarize(
        codes: &[u8],
        start: u64,
        probs: &[Probs],
        repeats: Option<&IntervalSet>,
        classes: &[&IntervalSet],
        all_tracks: bool,
        target: Target,
    ) -> ChunkScores {
        let n = probs.len();
        let masks = Masks::of(start, n, repeats, classes);
        let values = TrackValues::with_capacity(n, all_tracks, target);
        let mut out = ChunkScores::empty(start, values, classes.len());
        for (i, p) in probs.iter().enumerate() {
            let code = codes[start as usize + i];
            if p[0].is_nan() || !encode::is_acgt(code) {
                out.values.push_missing();
                continue;
            }
            out.add(encode::base(code) as usize, p, &masks, (i, code), target);
        }
        out
    }

    /// No position summarized yet: `values` to fill, sums of `labels` classes.
    fn empty(start: u64, values: TrackValues, labels: usize) -> ChunkScores {
        ChunkScores {
            start,
            values,
            sums: Sums::with_labels(labels),
            calibration: Calibration::default(),
        }
    }

    /// Adds the prediction `p` of position `i` (base `code`, of reference base `reference`):
    /// to the sums of its classes, the calibration (of a two-class model's classes) and the
    /// tracks.
    fn add(
        &mut self,
        reference: usize,
        p: &Probs,
        masks: &Masks,
        (i, code): (usize, u8),
        target: Target,
    ) {
        self.sums.add(reference, p, masks.repeat(i, code));
        for (c, mask) in &masks.classes {
            if mask[i] {
                self.sums.add_label(*c, reference, p);
            }
        }
        match target.class_of(reference) {
            // a two-class model: its two classes' probabilities
            Some(c) if !target.is_base() => self.calibration.add(c, &target.sum(p)[..2]),
            _ => self.calibration.add(reference, p),
        }
        self.values.push(reference, p);
    }
}

/// A chunk's repeats and annotation classes, position by position.
struct Masks {
    repeats: Option<Vec<bool>>,
    /// Only the classes present in the chunk, each with its number.
    classes: Vec<(usize, Vec<bool>)>,
}

impl Masks {
    /// The masks of the `n` positions from `start`.
    fn of(start: u64, n: usize, repeats: Option<&IntervalSet>, classes: &[&IntervalSet]) -> Masks {
        let classes = classes
            .iter()
            .enumerate()
            .filter(|(_, set)| set.overlap(start, start + n as u64) > 0)
            .map(|(i, set)| (i, set.mask_range(start, n)))
            .collect();
        Masks {
            repeats: repeats.map(|r| r.mask_range(start, n)),
            classes,
        }
    }

    /// Whether position `i` (base `code`) is a repeat: in the repeats, or soft-masked
    /// without them.
    fn repeat(&self, i: usize, code: u8) -> bool {
        match &self.repeats {
            Some(m) => m[i],
            None => encode::is_soft(code),
        }
    }
}
