//! What a model predicts at each position (`train.target`): the base (A, C, G, T), its pair
//! (A:T against C:G), its type (purine A, G against pyrimidine C, T), or whether it lies in
//! a repeat (a classifier for fusion models, not a base model).
//!
//! A two-class base model (pair or type) gives each class's probability; as a
//! [`crate::predict::Predictor`] it splits it evenly between the class's two bases
//! ([`Target::spread`]), so its pair or type probabilities, summed back, are exactly its own.

use serde::{Deserialize, Serialize};

/// Probabilities of A, C, G, T; all NaN when the model has no prediction (what every
/// model gives per position; [`crate::predict`] re-exports it).
pub type Probs = [f32; 4];

/// The class of each base (A, C, G, T) by pair (0: A:T, 1: C:G) and by type (0: purine, 1:
/// pyrimidine).
const PAIR_OF: [usize; 4] = [0, 1, 1, 0];
const TYPE_OF: [usize; 4] = [0, 1, 0, 1];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    #[default]
    Base,
    Pair,
    Type,
    Repeat,
}

impl Target {
    /// The targets of base models, in the order of the metrics tables' rows.
    pub const OF_BASES: [Target; 3] = [Target::Base, Target::Pair, Target::Type];

    pub fn name(self) -> &'static str {
        match self {
            Target::Base => "base",
            Target::Pair => "pair",
            Target::Type => "type",
            Target::Repeat => "repeat",
        }
    }

    /// The target named `name`.
    pub fn parse(name: &str) -> Option<Target> {
        [Target::Base, Target::Pair, Target::Type, Target::Repeat]
            .into_iter()
            .find(|t| t.name() == name)
    }

    pub fn is_base(&self) -> bool {
        *self == Target::Base
    }

    /// Classes a network with this target outputs.
    pub fn classes(self) -> usize {
        match self {
            Target::Base => 4,
            _ => 2,
        }
    }

    /// Which class (0..classes) each base (A, C, G, T) falls in: the base itself, its pair
    /// or its type; None for the repeat target, whose class is not the base's.
    pub fn grouping(self) -> Option<[usize; 4]> {
        match self {
            Target::Base => Some([0, 1, 2, 3]),
            Target::Pair => Some(PAIR_OF),
            Target::Type => Some(TYPE_OF),
            Target::Repeat => None,
        }
    }

    /// The class of base `b` (0..4), for the base targets.
    pub fn class_of(self, b: usize) -> Option<usize> {
        self.grouping().map(|g| g[b])
    }

    /// The classes' probabilities summed from the bases' (the first `classes()` entries;
    /// for the base target, the bases' own).
    pub fn sum(self, p: &Probs) -> Probs {
        match self.grouping() {
            Some(g) if !self.is_base() => {
                let mut q = [0f32; 4];
                for b in 0..4 {
                    q[g[b]] += p[b];
                }
                q
            }
            _ => *p,
        }
    }

    /// Base probabilities of a two-class prediction `q`: each class's probability split
    /// evenly between its two bases (for the base target, `q` as it is).
    /// A repeat classifier predicts no base: no prediction (NaN).
    pub fn spread(self, q: &[f32]) -> Probs {
        match self.grouping() {
            Some(_) if self.is_base() => std::array::from_fn(|b| q[b]),
            Some(g) => std::array::from_fn(|b| 0.5 * q[g[b]]),
            None => [f32::NAN; 4],
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_sums_and_spreads() {
        let p = [0.1, 0.2, 0.3, 0.4];
        let q = Target::Pair.sum(&p);
        assert!((q[0] - 0.5).abs() < 1e-6 && (q[1] - 0.5).abs() < 1e-6);
        let q = Target::Type.sum(&p);
        assert!((q[0] - 0.4).abs() < 1e-6 && (q[1] - 0.6).abs() < 1e-6);
        assert_eq!(Target::Base.sum(&p), p);
        let s = Target::Type.spread(&[0.25, 0.75]);
        assert_eq!(s, [0.125, 0.375, 0.125, 0.375]);
        // spreading then summing gives the classes back
        assert_eq!(&Target::Type.sum(&s)[..2], &[0.25, 0.75]);
        assert_eq!(
            Target::Pair.spread(&[0.25, 0.75]),
            [0.125, 0.375, 0.375, 0.125]
        );
        // a pair is its complement's; a purine's complement is a pyrimidine
        for b in 0..4 {
            assert_eq!(Target::Pair.class_of(3 - b), Target::Pair.class_of(b));
            assert_ne!(Target::Type.class_of(3 - b), Target::Type.class_of(b));
        }
        assert_eq!(Target::parse("type"), Some(Target::Type));
        assert_eq!(Target::parse("bases"), None);
        assert_eq!(Target::Repeat.grouping(), None);
    }
}
