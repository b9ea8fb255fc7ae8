//! The per-base values of a chunk, one vector per track.

use crate::predict::{self, Probs};
use crate::target::Target;

/// One chunk's values of each track (NaN where nothing was predicted), in
/// [`super::TRACKS`] order through [`TrackValues::columns`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrackValues {
    /// Probability of the reference base (of its pair or type for a two-class model).
    pub p_ref: Vec<f32>,
    /// Entropy of the prediction, bits (of the two classes for a two-class model).
    pub entropy: Vec<f32>,
    /// Probability of A, C, G and T, when all tracks are written (a two-class model's
    /// class probability split evenly between the class's two bases).
    pub p_base: Option<[Vec<f32>; 4]>,
    /// What the model predicts.
    pub target: Target,
}

impl TrackValues {
    /// Empty values for `n` positions of a model of `target`; with `all`, the four per-base
    /// tracks too.
    pub fn with_capacity(n: usize, all: bool, target: Target) -> Self {
        let column = || Vec::with_capacity(n);
        TrackValues {
            p_ref: column(),
            entropy: column(),
            p_base: all.then(|| std::array::from_fn(|_| column())),
            target,
        }
    }

    /// Adds a position whose reference base is `reference` (0..4 for A, C, G, T).
    pub fn push(&mut self, reference: usize, p: &Probs) {
        match self.target.class_of(reference) {
            Some(c) if !self.target.is_base() => {
                let q = self.target.sum(p);
                self.p_ref.push(q[c]);
                self.entropy
                    .push(predict::entropy_bits(&[q[0], q[1], 0.0, 0.0]));
            }
            _ => {
                self.p_ref.push(p[reference]);
                self.entropy.push(predict::entropy_bits(p));
            }
        }
        if let Some(bases) = &mut self.p_base {
            for (column, &v) in bases.iter_mut().zip(p) {
                column.push(v);
            }
        }
    }

    /// Adds a position without a value in any track.
    pub fn push_missing(&mut self) {
        self.push_all(f32::NAN);
    }

    fn push_all(&mut self, v: f32) {
        self.p_ref.push(v);
        self.entropy.push(v);
        for column in self.p_base.iter_mut().flatten() {
            column.push(v);
        }
    }

    /// Positions held.
    pub fn len(&self) -> usize {
        self.p_ref.len()
    }

    pub fn is_empty(&self) -> bool {
        self.p_ref.is_empty()
    }

    /// Each track's values, in [`super::TRACKS`] order.
    pub fn columns(&self) -> Vec<&[f32]> {
        let mut out = vec![self.p_ref.as_slice(), self.entropy.as_slice()];
        out.extend(self.p_base.iter().flatten().map(Vec::as_slice));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_track_order() {
        let p = [0.1, 0.2, 0.3, 0.4];
        let mut v = TrackValues::with_capacity(2, true, Target::Base);
        v.push(2, &p);
        v.push_missing();
        let cols = v.columns();
        assert_eq!(cols.len(), super::super::TRACKS.len());
        assert_eq!(cols[0][0], 0.3);
        assert!((cols[1][0] - predict::entropy_bits(&p)).abs() < 1e-6);
        assert_eq!([cols[2][0], cols[3][0], cols[4][0], cols[5][0]], p);
        assert!(cols.iter().all(|c| c.len() == 2 && c[1].is_nan()));
        let short = TrackValues::with_capacity(0, false, Target::Base);
        assert_eq!(short.columns().len(), 2);
        // a two-class model: p_ref and entropy of the reference's class
        let mut v = TrackValues::with_capacity(1, true, Target::Type);
        v.push(2, &Target::Type.spread(&[0.25, 0.75]));
        let cols = v.columns();
        assert_eq!(cols[0][0], 0.25);
        assert!((cols[1][0] - 0.811_278).abs() < 1e-5, "{}", cols[1][0]);
        assert_eq!(cols[4][0], 0.125);
    }
}
