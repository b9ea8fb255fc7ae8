//! What the flanks contribute: accuracy and bits per base when the bases at distance d from
//! the center (or a band of distances), on both sides, are shuffled or replaced by random
//! bases, as the seed talk did. Each sampled position is predicted from its own window
//! (2F+1 bases) so that only its flanks are disturbed.

mod flanks;

pub use flanks::{Contribution, ExplainRequest, contributions, write_table};

use crate::Error;
use crate::genome::encode;
use crate::metrics::ClassSums;
use crate::predict::{self, Predictor};
use crate::rng::SplitMix64;

/// How a band of flank positions is disturbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Permute the band's bases, each side on its own (composition kept, order lost). A band
    /// of one distance has one base a side, so explain-flanks shuffles only wider bands.
    Shuffle,
    /// Replace the band's bases with uniformly random ones.
    Random,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Shuffle => "shuffle",
            Mode::Random => "random",
        }
    }
}

/// Distances `start..=end` from the center, on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub start: usize,
    pub end: usize,
}

/// Parses `1,2,3,6-10,11-50`.
pub fn parse_bands(text: &str) -> crate::Result<Vec<Band>> {
    let bad = |s: &str, why: &str| Error::config("--bands", format!("--bands: band '{s}': {why}"));
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            let (a, b) = s.split_once('-').unwrap_or((s, s));
            let number = |x: &str| x.parse::<usize>().map_err(|_| bad(s, "not a number"));
            let (a, b) = (number(a)?, number(b)?);
            if a == 0 || b < a {
                return Err(bad(s, "distances start at 1 and end >= start"));
            }
            Ok(Band { start: a, end: b })
        })
        .collect()
}

/// The default bands up to `flank`: 1..5 one by one, then widening bands.
pub fn default_bands(flank: usize) -> Vec<Band> {
    let edges = [
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
        (5, 5),
        (6, 10),
        (11, 20),
        (21, 50),
        (51, 100),
        (101, 200),
        (201, 500),
    ];
    edges
        .iter()
        .filter(|(a, _)| *a <= flank)
        .map(|&(a, b)| Band {
            start: a,
            end: b.min(flank),
        })
        .collect()
}

/// Disturbs `window` (center at `flank`) in place.
pub fn disturb(window: &mut [u8], flank: usize, band: Band, mode: Mode, rng: &mut SplitMix64) {
    let end = band.end.min(flank);
    if band.start > end {
        return;
    }
    for side in [-1i64, 1] {
        let idx: Vec<usize> = (band.start..=end)
            .map(|d| (flank as i64 + side * d as i64) as usize)
            .collect();
        disturb_positions(window, &idx, mode, rng);
    }
}

/// Disturbs the bases of `window` at `idx` in place: new random bases, or a shuffle among them.
fn disturb_positions(window: &mut [u8], idx: &[usize], mode: Mode, rng: &mut SplitMix64) {
    match mode {
        Mode::Random => {
            for &i in idx {
                if encode::is_acgt(window[i]) {
                    window[i] = (window[i] & !3) | rng.below(4) as u8;
                }
            }
        }
        Mode::Shuffle => {
            for j in (1..idx.len()).rev() {
                let k = rng.below(j as u64 + 1) as usize;
                window.swap(idx[j], idx[k]);
            }
        }
    }
}

/// Accuracy and bits of `predictor` on `windows` (each 2F+1 bases, center known), each
/// disturbed first when `how` is given.
pub fn evaluate(
    predictor: &dyn Predictor,
    windows: &[Vec<u8>],
    how: Option<(Band, Mode)>,
    seed: u64,
) -> crate::Result<ClassSums> {
    let flank = predictor.flank();
    let mut rng = SplitMix64(seed);
    let (per_call, batch) = (predictor.chunking().1.max(1) * 64, windows.len());
    let mut sums = ClassSums::default();
    for group in windows.chunks(per_call.min(batch.max(1))) {
        let mut inputs = group.to_vec();
        if let Some((band, mode)) = how {
            for w in &mut inputs {
                disturb(w, flank, band, mode, &mut rng);
            }
        }
        let probs = predict::predict_strands(predictor, &inputs, None, false)?;
        add_group(&mut sums, group, probs, flank);
    }
    Ok(sums)
}

/// Adds each window's forward-strand call against its known center base to `sums`, skipping NaN.
fn add_group(
    sums: &mut ClassSums,
    group: &[Vec<u8>],
    probs: Vec<Vec<predict::Probs>>,
    flank: usize,
) {
    for (w, p) in group.iter().zip(probs) {
        let p = p[0];
        if !p[0].is_nan() {
            sums.add(encode::base(w[flank]) as usize, &p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_parse_and_disturb_only_their_distances() {
        assert_eq!(
            parse_bands("1,3-5").unwrap(),
            vec![Band { start: 1, end: 1 }, Band { start: 3, end: 5 }]
        );
        assert!(parse_bands("0").is_err() && parse_bands("5-3").is_err());
        assert_eq!(default_bands(4).len(), 4);
        let flank = 6;
        let orig: Vec<u8> = (0..13).map(|i| (i % 4) as u8).collect();
        let mut rng = SplitMix64(3);
        for mode in [Mode::Shuffle, Mode::Random] {
            let mut w = orig.clone();
            disturb(&mut w, flank, Band { start: 2, end: 3 }, mode, &mut rng);
            for (i, (a, b)) in orig.iter().zip(&w).enumerate() {
                let d = (i as i64 - flank as i64).unsigned_abs() as usize;
                if !(2..=3).contains(&d) {
                    assert_eq!(a, b, "{mode:?} changed distance {d}");
                }
            }
            if mode == Mode::Shuffle {
                let (mut x, mut y) = (orig[3..5].to_vec(), w[3..5].to_vec());
                x.sort();
                y.sort();
                assert_eq!(x, y, "a shuffle keeps each side's bases");
            }
        }
    }
}
