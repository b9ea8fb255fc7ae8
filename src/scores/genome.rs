//! Scoring regions of a genome into a score folder: the loop score-genome runs.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::ChunkScores;
use crate::genome::{EncodedSeq, Genome};
use crate::io::parquet::Metadata;
use crate::metrics::{Calibration, MetricsTable, Sums};
use crate::predict::{self, Predictor};
use crate::regions::{ClassSets, IntervalSet};
use crate::tracks::TrackSet;
use crate::{Error, Result};

/// What to score and how.
pub struct ScoreRequest<'a> {
    pub genome: &'a Genome,
    pub model: &'a dyn Predictor,
    /// Positions to score, per contig.
    pub regions: &'a HashMap<String, IntervalSet>,
    /// Repeat intervals per contig (soft-masked bases count as repeats without them).
    pub repeats: Option<&'a BTreeMap<String, IntervalSet>>,
    /// Annotation classes, each with its intervals per contig (metrics rows of their own).
    pub classes: &'a ClassSets,
    /// Write p_A..p_T as well as p_ref and entropy.
    pub all_tracks: bool,
    pub rc_average: bool,
    /// Decimals kept in the tracks' values (the metrics use the unrounded ones); all of an
    /// f32 when `None`.
    pub decimals: Option<u32>,
    pub quiet: bool,
}

/// Scores every position of the request's regions, contig by contig in genome order, and
/// writes the score folder `out_dir` (tracks, calibration and metrics, with `meta`).
pub fn score_to_folder(
    req: &ScoreRequest,
    out_dir: &Path,
    meta: &Metadata,
) -> Result<MetricsTable> {
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let (mut tracks, order) = open_tracks(req, out_dir)?;
    let mut metrics = MetricsTable {
        labels: req.classes.labels.clone(),
        target: req.model.target(),
        ..MetricsTable::default()
    };
    let mut calibration = Calibration::default();
    let total: u64 = req.regions.values().map(IntervalSet::covered).sum();
    let pb = crate::progress::bar(total, "score-genome", req.quiet);
    let mut sink = Sink {
        tracks: &mut tracks,
        calibration: &mut calibration,
        metrics: &mut metrics,
        pb: &pb,
    };
    let (chunk_len, per_call) = req.model.chunking();
    let mut held = Held::new(chunk_len, per_call);
    let mut pending = Vec::new();
    req.genome.visit(&order, |contig, seq| {
        let chunks = predict::chunk_count(&req.regions[&contig.name], chunk_len as u64);
        let full = held.add(chunks, seq.len());
        pending.push((contig.name.clone(), seq));
        if full {
            score_contigs(req, &std::mem::take(&mut pending), &mut sink)?;
        }
        Ok(())
    })?;
    score_contigs(req, &pending, &mut sink)?;
    pb.finish_and_clear();
    super::write(out_dir, tracks, &calibration, &metrics, meta)?;
    Ok(metrics)
}

/// What score-genome holds before it scores: small contigs are held until they make a
/// model's call of chunks together (packed into the same passes); a call's worth of contigs
/// (one with nothing to score adds no chunk) or of bases (sparse regions on long contigs are
/// then scored one contig at a time, as before) is scored too.
struct Held {
    chunk_len: usize,
    per_call: usize,
    chunks: usize,
    contigs: usize,
    bases: usize,
}

impl Held {
    fn new(chunk_len: usize, per_call: usize) -> Held {
        Held {
            chunk_len,
            per_call,
            chunks: 0,
            contigs: 0,
            bases: 0,
        }
    }

    /// Holds one more contig of `bases` bases and `chunks` chunks to score; true (and
    /// empty again) when what is held is to be scored now.
    fn add(&mut self, chunks: usize, bases: usize) -> bool {
        self.chunks += chunks;
        self.contigs += 1;
        self.bases += bases;
        let full = self.chunks >= self.per_call
            || self.contigs >= self.per_call
            || self.bases >= self.per_call.saturating_mul(self.chunk_len);
        if full {
            (self.chunks, self.contigs, self.bases) = (0, 0, 0);
        }
        full
    }
}

/// The tracks of the folder `out_dir` over the contigs with regions, and those contigs'
/// names in genome order.
fn open_tracks(req: &ScoreRequest, out_dir: &Path) -> Result<(TrackSet, Vec<String>)> {
    let dests: Vec<PathBuf> = super::track_names(req.all_tracks)
        .iter()
        .map(|n| out_dir.join(format!("{n}.bw")))
        .collect();
    let contigs: Vec<(String, u64)> = req
        .genome
        .contigs()
        .iter()
        .filter(|c| req.regions.contains_key(&c.name))
        .map(|c| (c.name.clone(), c.len as u64))
        .collect();
    let mut tracks = TrackSet::create(&dests, &contigs)?;
    tracks.round_to_decimals(req.decimals)?;
    if req.regions.values().all(|s| s.covered() == 0) {
        // the caller chose a job with nothing to score (RegionChoice::choose warned)
        tracks.allow_empty();
    }
    Ok((tracks, contigs.into_iter().map(|c| c.0).collect()))
}

/// Where the scored chunks go: the tracks, the calibration, the metrics, the progress bar.
struct Sink<'a> {
    tracks: &'a mut TrackSet,
    calibration: &'a mut Calibration,
    metrics: &'a mut MetricsTable,
    pb: &'a indicatif::ProgressBar,
}

/// Scores the regions of `contigs` (consecutive in genome order, each with its bases) into
/// `sink`, as one stream of chunks, and adds each contig's metrics sums.
fn score_contigs(
    req: &ScoreRequest,
    contigs: &[(String, EncodedSeq)],
    sink: &mut Sink,
) -> Result<()> {
    let no_intervals = IntervalSet::default();
    let scored: Vec<predict::ContigRegions> = (contigs.iter())
        .map(|(name, seq)| predict::ContigRegions {
            name,
            codes: seq.codes(),
            regions: &req.regions[name],
        })
        .collect();
    let notes: Vec<_> = (contigs.iter())
        .map(|(name, _)| annotations(req, name, &no_intervals))
        .collect();
    let mut sums: Vec<Sums> = (notes.iter())
        .map(|(_, classes)| Sums::with_labels(classes.len()))
        .collect();
    let target = req.model.target();
    let summarize = |i: usize, start, probs: &[_]| {
        let (rep, classes) = &notes[i];
        let codes = scored[i].codes;
        ChunkScores::summarize(
            codes,
            start,
            probs,
            rep.as_ref(),
            classes,
            req.all_tracks,
            target,
        )
    };
    // the contig whose chromosome the tracks are on: each is started in order, those
    // without a chunk too
    let mut next = 0;
    let mut reach = |sink: &mut Sink, i: usize| -> Result<()> {
        while next <= i {
            sink.tracks.start_chrom(&contigs[next].0)?;
            next += 1;
        }
        Ok(())
    };
    predict::score_contigs(req.model, &scored, req.rc_average, summarize, |i, chunk| {
        reach(sink, i)?;
        sink.take(&chunk, &mut sums[i])
    })?;
    if !contigs.is_empty() {
        reach(sink, contigs.len() - 1)?;
    }
    for ((name, _), s) in contigs.iter().zip(sums) {
        sink.metrics.add_chrom(name, s);
    }
    Ok(())
}

/// The repeats of the contig `name` (when the request has them) and its intervals of each
/// annotation class (`none` for a class without any on it).
fn annotations<'a>(
    req: &'a ScoreRequest,
    name: &str,
    none: &'a IntervalSet,
) -> (Option<IntervalSet>, Vec<&'a IntervalSet>) {
    let rep = req
        .repeats
        .map(|r| r.get(name).cloned().unwrap_or_default());
    let classes = (req.classes.sets.iter())
        .map(|sets| sets.get(name).unwrap_or(none))
        .collect();
    (rep, classes)
}

impl Sink<'_> {
    /// A scored chunk into the tracks and the calibration, its sums into the contig's `sums`.
    fn take(&mut self, chunk: &ChunkScores, sums: &mut Sums) -> Result<()> {
        sums.merge(&chunk.sums);
        self.calibration.merge(&chunk.calibration);
        self.pb.inc(chunk.values.len() as u64);
        self.tracks.push(chunk.start, &chunk.values.columns())
    }
}

#[cfg(test)]
mod tests {
    use super::Held;

    /// The contigs scored together by `held`, as counts, for contigs of (chunks, bases).
    fn calls(mut held: Held, contigs: &[(usize, usize)]) -> Vec<usize> {
        let (mut out, mut n) = (Vec::new(), 0);
        for &(chunks, bases) in contigs {
            n += 1;
            if held.add(chunks, bases) {
                out.push(std::mem::take(&mut n));
            }
        }
        out.push(n);
        out
    }

    #[test]
    fn small_contigs_are_held_until_a_call_of_chunks() {
        // 1 kb scaffolds of one chunk each, a call of 512 chunks of 4,096
        let scaffolds = vec![(1, 1_000); 1_200];
        assert_eq!(calls(Held::new(4096, 512), &scaffolds), vec![512, 512, 176]);
        // three chunks each: a call once 512 chunks are held
        let three = vec![(3, 10_000); 400];
        assert_eq!(calls(Held::new(4096, 512), &three)[0], 171);
    }

    #[test]
    fn contigs_with_nothing_to_score_are_not_held_to_the_end() {
        let empty = vec![(0, 100); 1_100];
        assert_eq!(calls(Held::new(4096, 512), &empty), vec![512, 512, 76]);
    }

    #[test]
    fn long_contigs_with_sparse_regions_go_one_at_a_time() {
        // a few positions of interest on each of hg38's chromosomes: no call's worth of
        // chunks, but each holds more bases than a call covers
        let chromosomes = [(2, 248_956_422), (1, 242_193_529), (3, 198_295_559)];
        assert_eq!(calls(Held::new(4096, 512), &chromosomes), vec![1, 1, 1, 0]);
        // small ones are held until they hold a call's worth of bases (2 Mb here)
        let mid = vec![(1, 700_000); 7];
        assert_eq!(calls(Held::new(4096, 512), &mid), vec![3, 3, 1]);
    }
}
