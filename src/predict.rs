//! The one seam between models and everything that consumes predictions.
//!
//! A [`Predictor`] gives the probabilities of A, C, G, T at each position of a sequence,
//! each from its flanks only. Chunking and parallel scoring over regions live here, once,
//! so no consumer re-implements them.

use rayon::prelude::*;

use crate::Result;
use crate::kmer::counts::chunk_regions;
use crate::regions::IntervalSet;

/// Probabilities of A, C, G, T; all NaN when the model has no prediction.
pub type Probs = [f32; 4];

/// The "no prediction" value.
pub const NO_PREDICTION: Probs = [f32::NAN; 4];

/// A model of each base given its flanks.
pub trait Predictor: Send + Sync {
    /// Bases of context used on each side of a position.
    fn flank(&self) -> usize;

    /// A one-line description for logs and metadata.
    fn describe(&self) -> String;

    /// Predictions for positions `start..end` of `codes` (encoded bases of a whole contig),
    /// appended to `out`; [`NO_PREDICTION`] where the model has none.
    fn predict(&self, codes: &[u8], start: usize, end: usize, out: &mut Vec<Probs>);
}

/// Chunk size for parallel scoring.
pub const CHUNK: u64 = 1 << 18;

/// Scores `regions` of one contig in parallel chunks and hands each chunk, in order, to
/// `sink(start, probs)` after `map` turned it into a per-chunk result (run in parallel).
pub fn score_regions<T: Send>(
    predictor: &dyn Predictor,
    codes: &[u8],
    regions: &IntervalSet,
    map: impl Fn(u64, &[Probs]) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let chunks = chunk_regions(regions, CHUNK);
    let batch = rayon::current_num_threads().max(1) * 2;
    for group in chunks.chunks(batch) {
        let results: Vec<T> = group
            .par_iter()
            .map(|&(s, e)| {
                let mut probs = Vec::with_capacity((e - s) as usize);
                predictor.predict(codes, s as usize, e as usize, &mut probs);
                map(s, &probs)
            })
            .collect();
        for r in results {
            sink(r)?;
        }
    }
    Ok(())
}

/// Entropy in bits of a distribution.
pub fn entropy_bits(p: &Probs) -> f32 {
    p.iter().filter(|&&x| x > 0.0).map(|&x| -x * x.log2()).sum()
}

/// Index of the most probable base; the first one on ties (A before C before G before T).
pub fn argmax(p: &Probs) -> usize {
    let mut best = 0;
    for b in 1..4 {
        if p[b] > p[best] {
            best = b;
        }
    }
    best
}
