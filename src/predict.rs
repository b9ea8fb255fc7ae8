//! The one seam between models and everything that consumes predictions.
//!
//! A [`Predictor`] gives the probabilities of A, C, G, T at each position of a chunk, each
//! from its flanks only. Cutting regions into chunks, padding them with their flanks
//! (unknown beyond a contig's ends), batching, parallel scoring and reverse-complement
//! averaging live here, once, so no model and no consumer re-implements them.

use rayon::prelude::*;

use crate::Result;
use crate::genome::encode;
use crate::regions::IntervalSet;

pub use crate::target::Probs;

/// The "no prediction" value.
pub const NO_PREDICTION: Probs = [f32::NAN; 4];

/// Where a chunk's central positions lie in the scored genome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locus<'a> {
    pub contig: &'a str,
    /// The first central position on the forward strand.
    pub start: u64,
    /// The chunk is the reverse complement of the genome's bases.
    pub reverse: bool,
}

/// A model of each base given its flanks.
pub trait Predictor: Send + Sync {
    /// Bases of context used on each side of a position.
    fn flank(&self) -> usize;

    /// A one-line description for logs and metadata.
    fn describe(&self) -> String;

    /// What the model predicts: the base, or only its pair or type (a two-class model, whose
    /// class probabilities [`Predictor::predict_chunks`] splits evenly between the class's
    /// bases, see [`crate::target::Target::spread`]).
    fn target(&self) -> crate::target::Target {
        crate::target::Target::Base
    }

    /// Positions per chunk, and about how many chunks per call to
    /// [`Predictor::predict_chunks`] (a short last call joins the one before: up to 1.5
    /// times as many).
    fn chunking(&self) -> (usize, usize) {
        (1 << 18, rayon::current_num_threads().max(1) * 2)
    }

    /// Predictions for the central positions of each chunk. A chunk holds `flank()` bases,
    /// the positions to predict, then `flank()` bases, as encoded bytes (see
    /// [`crate::genome::encode`]); bases beyond a contig's ends are unknown.
    /// [`NO_PREDICTION`] where the model has none.
    fn predict_chunks(&self, chunks: &[Vec<u8>]) -> Result<Vec<Vec<Probs>>>;

    /// [`Predictor::predict_chunks`] for chunks of the scored genome at `loci`: a model that
    /// holds these positions among its training data leaves them out (leave-one-out).
    fn predict_chunks_at(&self, chunks: &[Vec<u8>], loci: &[Locus]) -> Result<Vec<Vec<Probs>>> {
        let _ = loci;
        self.predict_chunks(chunks)
    }

    /// The mean of the forward and reverse-complement predictions of `chunks` (as
    /// [`predict_strands`] averages them) in one pass, where the model does that faster than
    /// two calls of [`Predictor::predict_chunks`]; `None` where it does not (the default). Only
    /// for a model that leaves out nothing by locus.
    fn predict_chunks_both(&self, chunks: &[Vec<u8>]) -> Option<Result<Vec<Vec<Probs>>>> {
        let _ = chunks;
        None
    }

    /// Seconds spent predicting so far, and of them waiting for inputs to be prepared (a
    /// device idle for want of data), where the model keeps count.
    fn data_wait(&self) -> Option<(f64, f64)> {
        None
    }

    /// Where the model's time went, in words, where it keeps count.
    fn profile(&self) -> Option<String> {
        None
    }
}

/// Cuts merged regions into pieces of at most `size` bases.
pub fn chunk_regions(regions: &IntervalSet, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(s, e) in regions.intervals() {
        let mut a = s;
        while a < e {
            let b = (a + size).min(e);
            out.push((a, b));
            a = b;
        }
    }
    out
}

/// Bases `start - flank .. end + flank` of `codes`, unknown outside the contig.
pub fn padded_chunk(codes: &[u8], start: usize, end: usize, flank: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(end - start + 2 * flank);
    let lo = start as i64 - flank as i64;
    let hi = (end + flank) as i64;
    let before = (-lo).max(0) as usize;
    out.resize(before, encode::UNKNOWN);
    let a = lo.max(0) as usize;
    let b = (hi as usize).min(codes.len());
    if a < b {
        out.extend_from_slice(&codes[a..b]);
    }
    out.resize(end - start + 2 * flank, encode::UNKNOWN);
    out
}

/// Reverse complement of encoded bases (soft-mask and unknown flags kept).
pub fn revcomp_codes(codes: &[u8]) -> Vec<u8> {
    codes
        .iter()
        .rev()
        .map(|&c| {
            if encode::is_acgt(c) {
                (c & !3) | (3 - (c & 3))
            } else {
                c
            }
        })
        .collect()
}

/// The predictions of a group of chunks: per chunk, per central position.
type Predicted = Vec<Vec<Probs>>;

/// One contig's positions to score: its name, its bases and its regions.
pub struct ContigRegions<'a> {
    pub name: &'a str,
    pub codes: &'a [u8],
    pub regions: &'a IntervalSet,
}

/// A chunk of [`ContigRegions`]: the contig's number among those scored, and the
/// positions `start..end` on it.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    contig: usize,
    start: u64,
    end: u64,
}

/// The number of chunks of at most `size` bases that `regions` are cut into
/// ([`chunk_regions`]).
pub fn chunk_count(regions: &IntervalSet, size: u64) -> usize {
    let size = size.max(1);
    let n: u64 = regions
        .intervals()
        .iter()
        .map(|&(s, e)| (e - s).div_ceil(size))
        .sum();
    n as usize
}

/// Scores the regions of `contigs`, chunk by chunk, and hands each chunk, in order, to
/// `sink(contig, result)` after `map(contig, start, probs)` (run in parallel) turned it
/// into a per-chunk result; `contig` is the contig's number in `contigs`. The chunks of
/// every contig are cut and batched as one stream, so that many small contigs (the
/// scaffolds of a draft assembly, a reference's alt and unplaced contigs) fill the model's
/// calls as one long contig does, rather than a call each.
/// With `rc_average`, each prediction is the mean of the forward one and the reverse
/// complement's (complemented back).
///
/// The model predicts one group of chunks while the previous group is mapped and handed to
/// `sink`, so a device need not wait for the tracks to be written.
pub fn score_contigs<T: Send>(
    predictor: &dyn Predictor,
    contigs: &[ContigRegions],
    rc_average: bool,
    map: impl Fn(usize, u64, &[Probs]) -> T + Sync,
    mut sink: impl FnMut(usize, T) -> Result<()>,
) -> Result<()> {
    let (chunk_len, per_call) = predictor.chunking();
    let chunks: Vec<Chunk> = (contigs.iter().enumerate())
        .flat_map(|(contig, c)| {
            chunk_regions(c.regions, chunk_len.max(1) as u64)
                .into_iter()
                .map(move |(start, end)| Chunk { contig, start, end })
        })
        .collect();
    let predict = |group: &[Chunk]| predict_chunks_of(predictor, contigs, group, rc_average);
    let mut consume = |group: &[Chunk], probs: Predicted| -> Result<()> {
        let results: Vec<(usize, T)> = group
            .par_iter()
            .zip(probs.par_iter())
            .map(|(c, p)| (c.contig, map(c.contig, c.start, p)))
            .collect();
        results.into_iter().try_for_each(|(c, t)| sink(c, t))
    };
    let groups: Vec<&[Chunk]> = (call_bounds(chunks.len(), per_call).into_iter())
        .map(|(start, end)| &chunks[start..end])
        .collect();
    overlapped(&groups, predict, &mut consume)
}

/// `n` chunks in calls of `per_call`, a short last call (under half of one) joined to the one
/// before: on CUDA each call's last pass is padded to a whole batch, and held contigs often
/// make a call's worth and a few chunks more.
fn call_bounds(n: usize, per_call: usize) -> Vec<(usize, usize)> {
    let per_call = per_call.max(1);
    let mut bounds: Vec<(usize, usize)> = (0..n)
        .step_by(per_call)
        .map(|start| (start, (start + per_call).min(n)))
        .collect();
    if bounds.len() >= 2 && 2 * (n - bounds[bounds.len() - 1].0) < per_call {
        let (_, end) = bounds.pop().expect("two calls or more");
        bounds.last_mut().expect("one call left").1 = end;
    }
    bounds
}

/// The predictions of the chunks `group` of `contigs`, padded with their flanks.
fn predict_chunks_of(
    predictor: &dyn Predictor,
    contigs: &[ContigRegions],
    group: &[Chunk],
    rc_average: bool,
) -> Result<Predicted> {
    let flank = predictor.flank();
    let inputs: Vec<Vec<u8>> = group
        .par_iter()
        .map(|c| {
            padded_chunk(
                contigs[c.contig].codes,
                c.start as usize,
                c.end as usize,
                flank,
            )
        })
        .collect();
    let loci: Vec<Locus> = group
        .iter()
        .map(|c| Locus {
            contig: contigs[c.contig].name,
            start: c.start,
            reverse: false,
        })
        .collect();
    predict_strands(predictor, &inputs, Some(&loci), rc_average)
}

/// Predicts each group on a thread of its own while the predictions of the group before are
/// consumed, in order.
fn overlapped(
    groups: &[&[Chunk]],
    predict: impl Fn(&[Chunk]) -> Result<Predicted> + Sync,
    consume: &mut impl FnMut(&[Chunk], Predicted) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| {
        let mut previous: Option<(&[Chunk], Predicted)> = None;
        for &group in groups {
            let next = scope.spawn(|| predict(group));
            if let Some((g, probs)) = previous.take() {
                consume(g, probs)?;
            }
            let probs = next.join().expect("a prediction thread panicked")?;
            previous = Some((group, probs));
        }
        match previous {
            Some((g, probs)) => consume(g, probs),
            None => Ok(()),
        }
    })
}

/// [`Predictor::predict_chunks`] (or [`Predictor::predict_chunks_at`] given the chunks'
/// loci in the scored genome), averaged with the reverse complement's predictions when
/// `rc_average`.
pub fn predict_strands(
    predictor: &dyn Predictor,
    inputs: &[Vec<u8>],
    loci: Option<&[Locus]>,
    rc_average: bool,
) -> Result<Vec<Vec<Probs>>> {
    if rc_average && let Some(both) = predictor.predict_chunks_both(inputs) {
        return both;
    }
    let mut probs = match loci {
        Some(l) => predictor.predict_chunks_at(inputs, l)?,
        None => predictor.predict_chunks(inputs)?,
    };
    if rc_average {
        let rc = predict_reverse(predictor, inputs, loci)?;
        probs
            .par_iter_mut()
            .zip(rc)
            .for_each(|(fwd, rev)| average_strands(fwd, &rev));
    }
    Ok(probs)
}

/// The predictions of the reverse complements of `inputs` (at `loci` on the other strand).
fn predict_reverse(
    predictor: &dyn Predictor,
    inputs: &[Vec<u8>],
    loci: Option<&[Locus]>,
) -> Result<Vec<Vec<Probs>>> {
    let rc_inputs: Vec<Vec<u8>> = inputs.par_iter().map(|c| revcomp_codes(c)).collect();
    let Some(loci) = loci else {
        return predictor.predict_chunks(&rc_inputs);
    };
    let rc_loci: Vec<Locus> = loci
        .iter()
        .map(|x| Locus {
            reverse: !x.reverse,
            ..*x
        })
        .collect();
    predictor.predict_chunks_at(&rc_inputs, &rc_loci)
}

/// Averages forward predictions with reverse-complement ones (given in reverse order and
/// for the complementary base); a missing prediction on either strand leaves none.
fn average_strands(fwd: &mut [Probs], rev: &[Probs]) {
    let n = fwd.len();
    for (i, p) in fwd.iter_mut().enumerate() {
        let q = rev[n - 1 - i];
        for b in 0..4 {
            p[b] = 0.5 * (p[b] + q[3 - b]);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;

    #[test]
    fn a_short_last_call_joins_the_one_before() {
        assert_eq!(call_bounds(0, 512), vec![]);
        assert_eq!(call_bounds(10, 512), vec![(0, 10)]);
        assert_eq!(call_bounds(512, 512), vec![(0, 512)]);
        // held contigs: a call's worth and a few chunks more
        assert_eq!(call_bounds(520, 512), vec![(0, 520)]);
        assert_eq!(call_bounds(1024 + 255, 512), vec![(0, 512), (512, 1279)]);
        // half a call or more stays a call of its own
        assert_eq!(
            call_bounds(1024 + 256, 512),
            vec![(0, 512), (512, 1024), (1024, 1280)]
        );
        assert_eq!(call_bounds(3, 0), vec![(0, 1), (1, 2), (2, 3)]);
    }

    #[test]
    fn padding_at_contig_ends() {
        let s = EncodedSeq::from_ascii(b"ACGTA").unwrap();
        let u = encode::UNKNOWN;
        assert_eq!(padded_chunk(s.codes(), 0, 2, 2), vec![u, u, 0, 1, 2, 3]);
        assert_eq!(padded_chunk(s.codes(), 3, 5, 2), vec![1, 2, 3, 0, u, u]);
        assert_eq!(padded_chunk(s.codes(), 0, 5, 0), s.codes().to_vec());
    }

    #[test]
    fn revcomp_keeps_flags() {
        let s = EncodedSeq::from_ascii(b"AcgN").unwrap();
        let rc = revcomp_codes(s.codes());
        assert_eq!(EncodedSeq::from_codes(rc).to_ascii(), b"NcgT".to_vec());
    }
}
