//! What train-model trains on: the contigs of the train and valid splits held in memory (one
//! byte per base), their windows sampled in proportion to their length, and batches of
//! chunks drawn from them, reverse-complemented and weighted, with the k-mer prior's inputs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::config::TrainConfig;
pub(super) use super::contig::Contig;
use super::folder::DataInfo;
use super::layers::model_codes;
use super::prior::Prior;
use super::prior_cache::PriorCache;
use crate::genome::{Genome, encode};
use crate::predict::{padded_chunk, revcomp_codes};
use crate::regions::IntervalSet;
use crate::regions::splits::Split;
use crate::regions::windows;
use crate::rng::SplitMix64;
use crate::{Error, Result};

/// A repeat BED for the loss weights: its path (recorded in the model folder) and its
/// intervals per contig.
pub struct Repeats<'a> {
    pub path: &'a Path,
    pub by_contig: BTreeMap<String, IntervalSet>,
}

/// Windows of one split, sampled in proportion to their length.
pub(super) struct Windows {
    pub(super) wins: Vec<(usize, u64, u64)>,
    pub(super) cum: Vec<u64>,
}

impl Windows {
    pub(super) fn new(wins: Vec<(usize, u64, u64)>) -> Windows {
        let mut cum = Vec::with_capacity(wins.len());
        let mut total = 0;
        for &(_, s, e) in &wins {
            total += e - s;
            cum.push(total);
        }
        Windows { wins, cum }
    }

    pub(super) fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// The window holding offset `x` of the concatenated windows, and the position.
    pub(super) fn locate(&self, x: u64) -> (usize, u64, u64, u64) {
        let i = self.cum.partition_point(|&c| c <= x);
        let (contig, s, e) = self.wins[i];
        let before = if i == 0 { 0 } else { self.cum[i - 1] };
        (contig, s, e, s + (x - before))
    }
}

/// Training data: contigs of the train and valid splits, their windows, and the prior.
pub(super) struct Data {
    pub(super) contigs: Vec<Contig>,
    pub(super) train: Windows,
    pub(super) valid: Windows,
    pub(super) info: DataInfo,
    pub(super) prior: Option<Prior>,
    /// The prior's inputs of train chunks, kept across epochs (`train.prior_cache_mb`).
    pub(super) prior_cache: Option<PriorCache>,
}

/// Where a chunk's prior inputs come from: the prior, and its cache of train positions.
#[derive(Clone, Copy)]
pub(super) struct PriorSource<'a> {
    pub(super) prior: &'a Prior,
    pub(super) cache: Option<&'a PriorCache>,
}

impl Data {
    /// Appends the chunk `s` of contig number `contig` to `batch` ([`add_sample`]), labelled
    /// for `cfg.target` with the loss weights (repeats, the rest) `weights`.
    pub(super) fn add_chunk(
        &self,
        batch: &mut Batch,
        contig: usize,
        s: Sample,
        cfg: &TrainConfig,
        field: usize,
        weights: (f32, f32),
    ) {
        let labels = Labels {
            target: cfg.target,
            weights,
        };
        let prior = self.prior_source();
        add_sample(
            batch,
            &self.contigs[contig],
            prior,
            s,
            cfg.chunk,
            field,
            labels,
        );
    }

    /// The prior's inputs, cached for counted chunks where the cache holds them.
    pub(super) fn prior_source(&self) -> Option<PriorSource<'_>> {
        self.prior.as_ref().map(|prior| PriorSource {
            prior,
            cache: self.prior_cache.as_ref(),
        })
    }

    /// Whether any base of the train and valid chromosomes is a repeat (in the repeat BED,
    /// or soft-masked without one).
    pub(super) fn has_repeats(&self) -> bool {
        self.contigs.iter().any(|c| match &c.repeats {
            Some(r) => r.covered() > 0,
            None => c.codes.iter().any(|&b| encode::is_soft(b)),
        })
    }
}

/// One batch as flat vectors.
pub(super) struct Batch {
    pub(super) input: Vec<i64>,
    pub(super) target: Vec<i64>,
    pub(super) weight: Vec<f32>,
    pub(super) prior: Vec<f32>,
    pub(super) n: usize,
}

impl Batch {
    pub(super) fn new() -> Batch {
        Batch {
            input: Vec::new(),
            target: Vec::new(),
            weight: Vec::new(),
            prior: Vec::new(),
            n: 0,
        }
    }

    pub(super) fn targets(&self) -> u64 {
        self.target.iter().filter(|&&t| t >= 0).count() as u64
    }
}

/// Loads the contigs of the train and valid splits of the windows table and computes the
/// genome checksum; `repeats` (else soft-masked bases) mark the repeats.
pub(super) fn load_data(
    genome: &Genome,
    windows_path: &Path,
    repeats: Option<&Repeats>,
    quiet: bool,
) -> Result<Data> {
    let rows = windows::read_parquet(windows_path, genome)?;
    let wanted: HashSet<&str> = (rows.iter())
        .filter(|w| matches!(w.split, Split::Train | Split::Valid))
        .map(|w| w.chrom.as_str())
        .collect();
    let (contigs, checksum) = read_contigs(genome, &wanted, repeats, quiet)?;
    let (train, valid) = (
        split_windows(&rows, &contigs, Split::Train),
        split_windows(&rows, &contigs, Split::Valid),
    );
    if train.total() == 0 {
        return Err(Error::invalid(windows_path, "has no train windows"));
    }
    let info = DataInfo {
        genome: crate::io::file_name(genome.path()),
        genome_checksum: format!("fnv1a64:{checksum:016x}"),
        windows: crate::io::file_name(windows_path),
        train_chroms: split_chroms(&rows, Split::Train),
        valid_chroms: split_chroms(&rows, Split::Valid),
        train_bases: train.total(),
        valid_bases: valid.total(),
        repeats: repeats.map(|r| crate::io::file_name(r.path)),
    };
    Ok(Data::new(contigs, (train, valid), info))
}

impl Data {
    /// The data of the train and valid windows, with no prior yet.
    fn new(contigs: Vec<Contig>, (train, valid): (Windows, Windows), info: DataInfo) -> Data {
        Data {
            contigs,
            train,
            valid,
            info,
            prior: None,
            prior_cache: None,
        }
    }
}

/// Reads the genome: the `wanted` contigs' bases (with their repeats), in genome order, and
/// the checksum of every contig's name, length and bases.
fn read_contigs(
    genome: &Genome,
    wanted: &HashSet<&str>,
    repeats: Option<&Repeats>,
    quiet: bool,
) -> Result<(Vec<Contig>, u64)> {
    let mut contigs = Vec::new();
    let mut checksum = Fnv::new();
    let pb = crate::progress::bar(genome.contigs().len() as u64, "reading genome", quiet);
    genome.visit_all(|contig, seq| {
        checksum.add_contig(&contig.name, seq.codes());
        if wanted.contains(contig.name.as_str()) {
            contigs.push(Contig {
                name: contig.name.clone(),
                codes: seq.into_codes(),
                repeats: repeats
                    .map(|r| r.by_contig.get(&contig.name).cloned().unwrap_or_default()),
            });
        }
        pb.inc(1);
        Ok(())
    })?;
    pb.finish_and_clear();
    Ok((contigs, checksum.0))
}

/// The windows of a split, each by its contig's number in `contigs`.
fn split_windows(rows: &[windows::WindowRow], contigs: &[Contig], split: Split) -> Windows {
    let index: HashMap<&str, usize> = contigs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let of_split = rows.iter().filter(|w| w.split == split);
    Windows::new(
        of_split
            .map(|w| (index[w.chrom.as_str()], w.start, w.end))
            .collect(),
    )
}

/// The chromosomes of a split in the windows table's order, each once.
fn split_chroms(rows: &[windows::WindowRow], split: Split) -> Vec<String> {
    let mut seen = HashSet::new();
    rows.iter()
        .filter(|w| w.split == split && seen.insert(w.chrom.as_str()))
        .map(|w| w.chrom.clone())
        .collect()
}

/// FNV-1a, 64 bits: a dependency-free checksum of the genome's names, lengths and bases.
pub(super) struct Fnv(u64);

impl Fnv {
    /// Adds a contig: its name, its length and its bases (as letters).
    fn add_contig(&mut self, name: &str, codes: &[u8]) {
        self.write(name.as_bytes());
        self.write(&(codes.len() as u64).to_le_bytes());
        for &c in codes {
            self.write_byte(encode::decode(c));
        }
    }

    pub(super) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    #[inline]
    pub(super) fn write_byte(&mut self, b: u8) {
        self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    pub(super) fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }
}

/// Draws the batch of `step`: the same for a given seed and step, so a resumed run sees
/// exactly the batches an uninterrupted one would.
pub(super) fn sample_batch(data: &Data, cfg: &TrainConfig, field: usize, step: usize) -> Batch {
    let mut rng = SplitMix64(cfg.seed ^ (step as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut batch = Batch::new();
    let total = data.train.total();
    for _ in 0..cfg.batch {
        let (contig, ws, we, _) = data.train.locate(rng.below(total));
        let span = (we - ws).saturating_sub(cfg.chunk as u64) + 1;
        let start = ws + rng.below(span);
        let rc = cfg.rc_augment && rng.next_u64() & 1 == 1;
        let s = Sample {
            start,
            win_end: we,
            rc,
            counted: true,
        };
        data.add_chunk(&mut batch, contig, s, cfg, field, cfg.class_weights());
    }
    batch
}

/// What the positions of a chunk are trained on: their class of `target`, with the loss
/// weights of repeat and of other positions.
#[derive(Debug, Clone, Copy)]
pub(super) struct Labels {
    pub(super) target: crate::target::Target,
    pub(super) weights: (f32, f32),
}

/// Where a chunk comes from.
pub(super) struct Sample {
    pub(super) start: u64,
    /// Targets at or past this position are left out.
    pub(super) win_end: u64,
    /// Reverse-complement the chunk.
    pub(super) rc: bool,
    /// Its targets are in the prior's count table (train windows).
    pub(super) counted: bool,
}

/// Appends one chunk: targets `start..start+chunk` (those past `win_end` left out), each
/// its base's class of `kind` (the base, its pair or type), or whether it is a repeat.
pub(super) fn add_sample(
    batch: &mut Batch,
    contig: &Contig,
    prior: Option<PriorSource>,
    s: Sample,
    chunk: usize,
    field: usize,
    labels: Labels,
) {
    let start = s.start as usize;
    let mut padded = padded_chunk(&contig.codes, start, start + chunk, field);
    let mut chunk_labels = ChunkLabels::forward(contig, &s, chunk, labels.weights);
    if s.rc {
        padded = revcomp_codes(&padded);
        chunk_labels.reverse_complement();
    }
    chunk_labels.classify(labels.target);
    if let Some(source) = prior {
        batch
            .prior
            .extend(sample_prior(source, contig, &padded, &s, chunk, field));
    }
    batch.input.extend(model_codes(&padded));
    batch.target.extend(chunk_labels.target);
    batch.weight.extend(chunk_labels.weight);
    batch.n += 1;
}

/// A chunk's targets (a base 0..4, -1 left out), loss weights and repeat marks.
struct ChunkLabels {
    target: Vec<i64>,
    weight: Vec<f32>,
    in_repeat: Vec<bool>,
}

impl ChunkLabels {
    /// The labels of the chunk of `s` on the forward strand: bases past the window's end or
    /// unknown left out, repeats weighed `weights.0` and the rest `weights.1`.
    fn forward(contig: &Contig, s: &Sample, chunk: usize, weights: (f32, f32)) -> ChunkLabels {
        let start = s.start as usize;
        let repeats = contig
            .repeats
            .as_ref()
            .map(|r| r.mask_range(s.start, chunk));
        let mut l = ChunkLabels {
            target: Vec::with_capacity(chunk),
            weight: Vec::with_capacity(chunk),
            in_repeat: Vec::with_capacity(chunk),
        };
        for i in 0..chunk {
            let pos = start + i;
            let code = contig.codes.get(pos).copied().unwrap_or(encode::UNKNOWN);
            let inside = (pos as u64) < s.win_end && encode::is_acgt(code);
            l.target.push(if inside { (code & 3) as i64 } else { -1 });
            let repeat = match &repeats {
                Some(m) => m[i],
                None => encode::is_soft(code),
            };
            l.weight.push(if repeat { weights.0 } else { weights.1 });
            l.in_repeat.push(repeat);
        }
        l
    }

    /// The labels of the reverse strand: positions reversed, bases complemented.
    fn reverse_complement(&mut self) {
        self.target.reverse();
        for t in self.target.iter_mut().filter(|t| **t >= 0) {
            *t = 3 - *t;
        }
        self.weight.reverse();
        self.in_repeat.reverse();
    }

    /// Each base's class under `target` (of the strand the chunk is read on).
    fn classify(&mut self, target: crate::target::Target) {
        let known = self.target.iter_mut().zip(&self.in_repeat);
        for (t, &r) in known.filter(|(t, _)| **t >= 0) {
            *t = match target.class_of(*t as usize) {
                Some(c) => c as i64,
                None => i64::from(r),
            };
        }
    }
}

/// The prior's inputs of a chunk (`padded`, the strand it is read on): from the cache for
/// counted chunks where it holds them, else looked up.
fn sample_prior(
    source: PriorSource,
    contig: &Contig,
    padded: &[u8],
    s: &Sample,
    chunk: usize,
    field: usize,
) -> Vec<f32> {
    let PriorSource { prior: p, cache } = source;
    let locus = crate::predict::Locus {
        contig: &contig.name,
        start: s.start,
        reverse: s.rc,
    };
    let cached = cache
        .filter(|_| s.counted)
        .and_then(|c| c.inputs(p, contig, s.start as usize, chunk, field, s.rc));
    cached.unwrap_or_else(|| p.inputs(padded, field, s.counted, Some(&locus)))
}
