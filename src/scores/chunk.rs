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
        let mut values = TrackValues::with_capacity(n, all_tracks, target);
        let repeat_mask = repeats.map(|r| r.mask_range(start, n));
        // only the classes present in this chunk
        let class_masks: Vec<(usize, Vec<bool>)> = classes
            .iter()
            .enumerate()
            .filter(|(_, set)| set.overlap(start, start + n as u64) > 0)
            .map(|(i, set)| (i, set.mask_range(start, n)))
            .collect();
        let mut sums = Sums::with_labels(classes.len());
        let mut calibration = Calibration::default();
        for (i, p) in probs.iter().enumerate() {
            let code = codes[start as usize + i];
            if p[0].is_nan() || !encode::is_acgt(code) {
                values.push_missing();
                continue;
            }
            let reference = encode::base(code) as usize;
            let repeat = match &repeat_mask {
                Some(m) => m[i],
                None => encode::is_soft(code),
            };
            sums.add(reference, p, repeat);
            for (c, mask) in &class_masks {
                if mask[i] {
                    sums.add_label(*c, reference, p);
                }
            }
            match target.class_of(reference) {
                // a two-class model: its two classes' probabilities
                Some(c) if !target.is_base() => calibration.add(c, &target.sum(p)[..2]),
                _ => calibration.add(reference, p),
            }
            values.push(reference, p);
        }
        ChunkScores {
            start,
            values,
            sums,
            calibration,
        }
    }
}
