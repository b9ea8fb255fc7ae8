//! The prior's inputs of the train positions, kept across epochs: a run of two hours on the
//! CPU makes about five passes over its train bases, and without this cache each pass looks
//! every position up in the FM-index again (13% of each step, docs/benchmarks.md).
//!
//! The cache holds each position's prior channels as the f32 values [`Prior::inputs`] gives,
//! per strand, so a batch made from it is bit-identical to one made without it: a position's
//! prior depends only on the bases within k of it (k <= the field) and, for leave-one-out, on
//! its position and strand. Contigs are taken in order while `train.prior_cache_mb` lasts;
//! the others are looked up as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use super::contig::Contig;
use super::prior::Prior;
use crate::predict::{Locus, padded_chunk, revcomp_codes};

/// A slot not filled yet (a NaN no prior input takes: inputs are logs of at least 1e-12).
const EMPTY: u32 = u32::MAX;

/// One contig's slots: position-major, `channels` per position, forward then reverse strand.
struct Slots([Box<[AtomicU32]>; 2]);

/// Prior inputs of counted (train) chunks, filled as chunks are drawn; shared by the loader
/// threads (a slot's first channel is written last, with release ordering).
pub(super) struct PriorCache {
    channels: usize,
    by_contig: HashMap<String, Slots>,
    bytes: u64,
}

impl PriorCache {
    /// Slots for the contigs, in order, while `budget_bytes` lasts; None when not even the
    /// first fits (or the budget is 0).
    pub(super) fn new(
        contigs: &[Contig],
        channels: usize,
        budget_bytes: u64,
    ) -> Option<PriorCache> {
        let mut by_contig = HashMap::new();
        let mut bytes = 0u64;
        for c in contigs {
            let need = 2 * 4 * (c.codes.len() * channels) as u64;
            if bytes + need > budget_bytes {
                break;
            }
            let slots = || {
                (0..c.codes.len() * channels)
                    .map(|_| AtomicU32::new(EMPTY))
                    .collect()
            };
            by_contig.insert(c.name.clone(), Slots([slots(), slots()]));
            bytes += need;
        }
        (!by_contig.is_empty()).then_some(PriorCache {
            channels,
            by_contig,
            bytes,
        })
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Contigs held.
    pub(super) fn contigs(&self) -> usize {
        self.by_contig.len()
    }

    /// What `prior.inputs(padded, field, true, locus)` gives for the counted chunk of targets
    /// `start..start + chunk` of `contig` (reverse-complemented when `rc`), looking up only
    /// the positions not held yet; None when the contig is not held or the chunk runs past
    /// its end.
    pub(super) fn inputs(
        &self,
        prior: &Prior,
        contig: &Contig,
        start: usize,
        chunk: usize,
        field: usize,
        rc: bool,
    ) -> Option<Vec<f32>> {
        let c = self.channels;
        let slots = &self.by_contig.get(&contig.name)?.0[usize::from(rc)];
        if start + chunk > contig.codes.len() {
            return None;
        }
        let held = |pos: usize| slots[pos * c].load(Ordering::Acquire) != EMPTY;
        if let Some(a) = (start..start + chunk).find(|&p| !held(p)) {
            let b = (a..start + chunk).rev().find(|&p| !held(p)).unwrap() + 1;
            self.fill(slots, prior, contig, (a, b), field, rc);
        }
        Some(self.read(slots, prior, (start, chunk), field, rc))
    }

    /// The held inputs of the targets `start..start + chunk` (in reverse order when `rc`)
    /// between flanks of `field` positions of what `Prior::inputs` gives them (the uniform
    /// prior, zero depth).
    fn read(
        &self,
        slots: &[AtomicU32],
        prior: &Prior,
        (start, chunk): (usize, usize),
        field: usize,
        rc: bool,
    ) -> Vec<f32> {
        let c = self.channels;
        let flank = prior.uniform_row().repeat(field);
        let mut out = Vec::with_capacity((chunk + 2 * field) * c);
        out.extend_from_slice(&flank);
        for i in 0..chunk {
            let pos = if rc { start + chunk - 1 - i } else { start + i };
            let held = &slots[pos * c..(pos + 1) * c];
            out.extend(
                held.iter()
                    .map(|s| f32::from_bits(s.load(Ordering::Relaxed))),
            );
        }
        out.extend_from_slice(&flank);
        out
    }

    /// Looks up the prior of positions `a..b` of `contig` (read on the reverse strand when
    /// `rc`) and keeps it in `slots`, each position's first channel stored last, so a
    /// position whose first channel is set is whole.
    fn fill(
        &self,
        slots: &[AtomicU32],
        prior: &Prior,
        contig: &Contig,
        (a, b): (usize, usize),
        field: usize,
        rc: bool,
    ) {
        let c = self.channels;
        let mut sub = padded_chunk(&contig.codes, a, b, field);
        if rc {
            sub = revcomp_codes(&sub);
        }
        let locus = Locus {
            contig: &contig.name,
            start: a as u64,
            reverse: rc,
        };
        let values = prior.inputs(&sub, field, true, Some(&locus));
        for j in 0..b - a {
            let pos = if rc { b - 1 - j } else { a + j };
            let row = &values[(field + j) * c..(field + j + 1) * c];
            store_row(&slots[pos * c..(pos + 1) * c], row);
        }
    }
}

/// Keeps a position's `row` of inputs in its `slots`, the first channel last, so that a
/// reader that sees the first channel set sees the whole row.
fn store_row(slots: &[AtomicU32], row: &[f32]) {
    for (ch, v) in row.iter().enumerate().skip(1) {
        slots[ch].store(v.to_bits(), Ordering::Relaxed);
    }
    slots[0].store(row[0].to_bits(), Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::markov::MarkovSettings;
    use crate::markov::build::{TextBuilder, tests::meta};
    use crate::nn::prior::PriorSettings;
    use crate::regions::IntervalSet;
    use crate::rng::SplitMix64;

    /// A contig of 2,000 random bases with a repeat (so leave-one-out matters) and a run of
    /// Ns, indexed (the first 1,500 bases) into `dir`: its codes and the index's path.
    fn indexed_contig(
        rng: &mut SplitMix64,
        dir: &std::path::Path,
    ) -> (Vec<u8>, std::path::PathBuf) {
        let mut bases: Vec<u8> = (0..2000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
        let copy = bases[300..500].to_vec();
        bases[1200..1400].copy_from_slice(&copy);
        bases[900..910].fill(b'N');
        let seq = EncodedSeq::from_ascii(&bases).unwrap();
        let mut text = TextBuilder::new();
        let indexed = IntervalSet::from_unsorted(vec![(0, 1500)]);
        text.add_contig(0, "t", seq.codes(), &indexed).unwrap();
        let path = dir.join("t.fmd");
        text.finish(meta()).unwrap().save(&path).unwrap();
        (seq.codes().to_vec(), path)
    }

    fn settings(depth: bool) -> PriorSettings {
        PriorSettings {
            pseudocount: 1.0,
            markov: MarkovSettings {
                k: 4,
                alpha: 2.0,
                min_order: 0,
                leave_one_out: true,
            },
            depth,
        }
    }

    /// Chunks from the cache, filled piece by piece by overlapping chunks on both strands,
    /// are bit-identical to the prior's own lookups, with and without depth channels; a
    /// chunk past the contig's end, and a contig over the budget, are left to the lookups.
    #[test]
    fn cached_inputs_are_the_lookups() {
        let mut rng = SplitMix64(11);
        let dir = tempfile::tempdir().unwrap();
        let (codes, path) = indexed_contig(&mut rng, dir.path());
        let held = |name: &str| Contig {
            name: name.into(),
            codes: codes.clone(),
            repeats: None,
        };
        let contigs = [held("t"), held("u")];
        let (contig, other) = (&contigs[0], &contigs[1]);
        let (field, chunk) = (6, 64);
        for depth in [false, true] {
            let prior = Prior::load(&path, &settings(depth), true).unwrap();
            let c = prior.channels();
            // room for the first contig only
            let cache = PriorCache::new(&contigs, c, 8 * 2000 * c as u64).unwrap();
            assert_eq!((cache.contigs(), cache.bytes()), (1, 8 * 2000 * c as u64));
            for _ in 0..400 {
                let start = rng.below((2000 - chunk) as u64 + 1) as usize;
                let rc = rng.next_u64() & 1 == 1;
                let mut padded = padded_chunk(&contig.codes, start, start + chunk, field);
                if rc {
                    padded = revcomp_codes(&padded);
                }
                let locus = Locus {
                    contig: "t",
                    start: start as u64,
                    reverse: rc,
                };
                let want = prior.inputs(&padded, field, true, Some(&locus));
                let got = cache.inputs(&prior, contig, start, chunk, field, rc);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got.unwrap()),
                    bits(&want),
                    "chunk at {start}, rc {rc}"
                );
            }
            let past_end = cache.inputs(&prior, contig, 1990, chunk, field, false);
            let not_held = cache.inputs(&prior, other, 0, chunk, field, false);
            assert!(past_end.is_none() && not_held.is_none());
            assert!(PriorCache::new(&contigs, c, 1000).is_none());
        }
    }
}
