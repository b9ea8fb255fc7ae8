//! An optional k-mer prior for the neural models: the k-mer model's log-probabilities at each
//! position enter the dense head beside the two streams' features, so a network can rely on
//! the counts where they are strong (repeats, whose copies the count table has memorized)
//! and on its long context elsewhere: the seed's "merge the k-mer model and a convolutional
//! one, as input to the final dense layer".
//!
//! An FM-index prior can also tell the head how deep each position's context was found
//! (`--prior-depth`): the highest order counted and the log of its count, two more channels
//! that say where the prior is a memorized repeat and where it is a guess from few copies.
//!
//! The prior at i depends on bases within k of i, never on base i, so with k <= field the
//! model contract holds. On training chunks a position's own count is left out
//! (leave-one-out), so the prior has not seen the target it helps predict.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::kmer::table::{self, CountsMeta};
use crate::kmer::{KmerModel, KmerSettings, Strands};
use crate::markov::{FmdIndex, MarkovModel, MarkovSettings, index::is_index_file};
use crate::predict::{Locus, Probs};
use crate::{Error, Result};

/// How the prior was made (saved in the model folder's config.yaml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorInfo {
    /// File name of the count table (or FM-index) inside the model folder.
    pub table: String,
    pub k: usize,
    pub strands: String,
    /// The k-mer model's pseudocount per base, or the Markov model's alpha.
    pub pseudocount: f64,
    /// The count table's (or index's) genome and split, from its metadata.
    pub counted_on: String,
    /// Set for an FM-index (bidirectional Markov) prior: its lowest order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order: Option<usize>,
    /// An FM-index prior's depth channels join the head's input.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub depth: bool,
}

impl PriorInfo {
    /// Channels the prior gives the head at each position: 4 log-probabilities, then the
    /// depth channels if any.
    pub fn channels(&self) -> usize {
        channels(self.depth)
    }
}

/// The depth channels: the highest order counted over k, and ln(1 + its count) / 8.
pub const DEPTH_CHANNELS: usize = 2;

/// Prior channels per position: 4 log-probabilities, then the depth channels if asked.
fn channels(depth: bool) -> usize {
    4 + if depth { DEPTH_CHANNELS } else { 0 }
}

/// The file name of the prior's count table in a model folder.
pub const PRIOR_TABLE: &str = "prior.parquet";
/// The file name of the prior's FM-index in a model folder.
pub const PRIOR_INDEX: &str = "prior.fmd";

/// How to build the prior from its file.
#[derive(Debug, Clone, Copy)]
pub struct PriorSettings {
    /// k-mer priors: pseudocount per base.
    pub pseudocount: f64,
    /// FM-index priors: order, alpha, lowest order.
    pub markov: MarkovSettings,
    /// FM-index priors: add the depth channels.
    pub depth: bool,
}

impl PriorSettings {
    /// Channels the loaded prior will give (a count table refuses `depth` when loaded).
    pub fn channels(&self) -> usize {
        channels(self.depth)
    }
}

enum PriorModel {
    Kmer {
        model: KmerModel,
        both_strands: bool,
    },
    Markov(Box<MarkovModel>),
}

/// A loaded prior.
pub struct Prior {
    model: PriorModel,
    pub info: PriorInfo,
}

impl PriorInfo {
    /// What a model records of a count table prior.
    fn of_table(meta: &CountsMeta, pseudocount: f64) -> PriorInfo {
        PriorInfo {
            table: PRIOR_TABLE.into(),
            k: meta.k,
            strands: meta.strands.as_str().into(),
            pseudocount,
            counted_on: format!(
                "{} split={} chroms={}",
                meta.genome, meta.split, meta.chroms
            ),
            min_order: None,
            depth: false,
        }
    }
}

const LOG_QUARTER: f32 = -std::f32::consts::LN_2 * 2.0;

impl Prior {
    /// Loads a count table or an FM-index (told apart by the file's content); `loo` keeps
    /// what leave-one-out training priors need.
    pub fn load(path: &Path, settings: &PriorSettings, loo: bool) -> Result<Prior> {
        if is_index_file(path) {
            return Prior::load_index(path, settings, loo);
        }
        if settings.depth {
            return Err(Error::wrong_kind(
                path,
                "is a k-mer count table: depth channels (--prior-depth) need an FM-index prior (index-genome)",
            ));
        }
        Prior::load_table(path, settings.pseudocount, loo)
    }

    /// A k-mer count table as a prior (its counts kept for leave-one-out with `loo`).
    fn load_table(path: &Path, pseudocount: f64, loo: bool) -> Result<Prior> {
        let budget = 8u64 << 30;
        let (counts, meta) = table::read_model(path, budget)?;
        let info = PriorInfo::of_table(&meta, pseudocount);
        let settings = KmerSettings {
            pseudocount,
            backoff: true,
            budget_bytes: budget,
            keep_counts: loo,
        };
        let model = KmerModel::new(counts, settings);
        let both_strands = meta.strands == Strands::Both;
        Ok(Prior {
            model: PriorModel::Kmer {
                model,
                both_strands,
            },
            info,
        })
    }

    /// An FM-index as a Markov prior (leave-one-out with `loo`).
    fn load_index(path: &Path, settings: &PriorSettings, loo: bool) -> Result<Prior> {
        let index = FmdIndex::load(path)?;
        let m = &index.meta;
        let counted_on = format!("{} split={} chroms={}", m.genome, m.split, m.chroms);
        let ms = MarkovSettings {
            leave_one_out: loo,
            ..settings.markov
        };
        let model = MarkovModel::new(index, ms).map_err(|e| Error::invalid(path, e.to_string()))?;
        let info = PriorInfo {
            table: PRIOR_INDEX.into(),
            k: ms.k,
            strands: Strands::Both.as_str().into(),
            pseudocount: ms.alpha,
            counted_on,
            min_order: Some(ms.min_order),
            depth: settings.depth,
        };
        Ok(Prior {
            info,
            model: PriorModel::Markov(Box::new(model)),
        })
    }

    /// The prior of a model folder, as its config describes it (no leave-one-out).
    pub fn from_info(folder: &Path, info: &PriorInfo) -> Result<Prior> {
        let settings = PriorSettings {
            pseudocount: info.pseudocount,
            markov: MarkovSettings {
                k: info.k,
                alpha: info.pseudocount,
                min_order: info.min_order.unwrap_or(0),
                leave_one_out: false,
            },
            depth: info.depth,
        };
        Prior::load(&folder.join(&info.table), &settings, false)
    }

    /// Checks that an FM-index prior was built from `genome`: its contigs' names and lengths,
    /// and, where training leaves each position's own count out, every indexed contig's bases
    /// (an index of another genome with the same names would otherwise have bases subtracted
    /// that are not there). A count table carries no contig list to check.
    pub fn check_genome(&self, path: &Path, genome: &crate::genome::Genome) -> Result<()> {
        if let PriorModel::Markov(m) = &self.model {
            m.check_genome(path, &genome.contig_lengths())?;
            if m.settings().leave_one_out {
                m.check_contigs(path, genome)?;
            }
        }
        Ok(())
    }

    pub fn k(&self) -> usize {
        match &self.model {
            PriorModel::Kmer { model, .. } => model.k(),
            PriorModel::Markov(m) => m.settings().k,
        }
    }

    /// Whether the prior of a reverse-complemented chunk is the forward one mirrored (positions
    /// reversed, bases complemented, depth as it is): an FM-index holds both strands, a count
    /// table when counted on both. Scoring then looks the prior up once for both strands.
    pub fn strand_symmetric(&self) -> bool {
        match &self.model {
            PriorModel::Kmer { both_strands, .. } => *both_strands,
            PriorModel::Markov(_) => true,
        }
    }

    /// Channels per position of [`inputs`](Self::inputs).
    pub fn channels(&self) -> usize {
        self.info.channels()
    }

    /// The inputs of a position without a prior: the uniform log-probabilities, zero depth.
    pub fn uniform_row(&self) -> Vec<f32> {
        let mut row = vec![0.0; self.channels()];
        row[..4].fill(LOG_QUARTER);
        row
    }

    /// The head's prior inputs (L x C, row-major, C = [`channels`](Self::channels)) for
    /// every position of a padded chunk of encoded bases (`field` bases each side of the
    /// central ones): log-probabilities, then the depth channels if asked; flank positions
    /// and unknown centers get the uniform prior and zero depth. `counted` marks a training chunk whose central
    /// positions are in the count table, so their own counts are left out; `locus` says
    /// where the chunk lies (and whether it was reverse-complemented): an FM-index prior
    /// leaves out exactly the positions it holds, a forward-strand table counted no
    /// reverse-complemented window.
    pub fn inputs(
        &self,
        chunk: &[u8],
        field: usize,
        counted: bool,
        locus: Option<&Locus>,
    ) -> Vec<f32> {
        let n = chunk.len();
        let c = self.channels();
        let mut out = self.uniform_row().repeat(n);
        if n <= 2 * field {
            return out;
        }
        let probs: Vec<Probs> = match &self.model {
            PriorModel::Kmer {
                model,
                both_strands,
            } => {
                let rc = locus.is_some_and(|l| l.reverse);
                let subtract = counted && (!rc || *both_strands);
                kmer_probs(model, chunk, field, subtract)
            }
            PriorModel::Markov(m) => self.markov_probs(m, chunk, field, locus, &mut out),
        };
        for (i, p) in probs.iter().enumerate() {
            if p[0].is_nan() {
                continue;
            }
            for b in 0..4 {
                out[(field + i) * c + b] = p[b].max(1e-12).ln();
            }
        }
        out
    }

    /// The Markov model's probabilities of the chunk's central positions; with depth
    /// channels, each position's order and count written into its row of `out`.
    fn markov_probs(
        &self,
        m: &MarkovModel,
        chunk: &[u8],
        field: usize,
        locus: Option<&Locus>,
        out: &mut [f32],
    ) -> Vec<Probs> {
        let (k, c) = (m.settings().k, self.channels());
        let cut = field - k;
        let reach = m.predict_reach(&chunk[cut..chunk.len() - cut], locus);
        if self.info.depth {
            for (i, (p, r)) in reach.iter().enumerate() {
                if !p[0].is_nan() {
                    let at = (field + i) * c + 4;
                    out[at] = r.order as f32 / k as f32;
                    out[at + 1] = ((r.count as f32).ln_1p() / 8.0).min(4.0);
                }
            }
        }
        reach
            .into_iter()
            .map(|(p, _)| p.map(|x| x as f32))
            .collect()
    }
}

/// Stacks per-chunk prior inputs (each L x C) into an N x L x C tensor on `device`.
pub fn to_tensor(flat: &[f32], n: usize, len: usize, channels: usize, device: Device) -> Tensor {
    Tensor::from_slice(flat)
        .view([n as i64, len as i64, channels as i64])
        .to_device(device)
}

/// The count model's probabilities of a chunk's central positions (`field` bases of flank
/// a side), each position's own count left out when `subtract`.
fn kmer_probs(model: &KmerModel, chunk: &[u8], field: usize, subtract: bool) -> Vec<Probs> {
    let n = chunk.len();
    let mut probs = Vec::with_capacity(n - 2 * field);
    model.predict_loo(chunk, field, n - field, subtract, &mut probs);
    probs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::kmer::counts::CountTable;
    use crate::regions::IntervalSet;
    use crate::rng::SplitMix64;

    /// The prior keeps the model contract: position i's prior never depends on base i, nor
    /// on bases beyond k.
    #[test]
    fn prior_is_center_blind_and_local() {
        let mut rng = SplitMix64(5);
        let train: Vec<u8> = (0..3000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
        let seq = EncodedSeq::from_ascii(&train).unwrap();
        let mut table = CountTable::new(3, u64::MAX);
        table.count_contig(
            seq.codes(),
            &IntervalSet::from_unsorted(vec![(0, 3000)]),
            Strands::Forward,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k3.parquet");
        let meta = table::CountsMeta {
            k: 3,
            strands: Strands::Forward,
            genome: "t".into(),
            split: "train".into(),
            chroms: "t".into(),
        };
        table::write_counts(&path, &table, &meta).unwrap();
        let settings = PriorSettings {
            pseudocount: 1.0,
            markov: MarkovSettings {
                k: 3,
                alpha: 1.0,
                min_order: 0,
                leave_one_out: true,
            },
            depth: false,
        };
        let prior = Prior::load(&path, &settings, true).unwrap();
        let field = 5;
        let chunk: Vec<u8> = seq.codes()[100..160].to_vec();
        let base = prior.inputs(&chunk, field, false, None);
        for i in field..chunk.len() - field {
            for p in 0..chunk.len() {
                let mut c = chunk.clone();
                c[p] = (c[p] + 1) & 3;
                let got = prior.inputs(&c, field, false, None);
                let same = got[i * 4..i * 4 + 4] == base[i * 4..i * 4 + 4];
                if p == i || p.abs_diff(i) > 3 {
                    assert!(same, "prior at {i} changed with base {p}");
                }
            }
        }
        let fwd = Locus {
            contig: "t",
            start: 100,
            reverse: false,
        };
        let rev = Locus {
            reverse: true,
            ..fwd
        };
        // leave-one-out changes a counted training position's prior
        let loo = prior.inputs(&chunk, field, true, Some(&fwd));
        assert_ne!(loo, base);
        // a reverse-complemented chunk of a forward-strand table keeps its counts
        assert_eq!(prior.inputs(&chunk, field, true, Some(&rev)), base);
    }

    /// The same contract for an FM-index prior, whose leave-one-out is by position: a
    /// chunk at its place in the index loses its own occurrences, the same bases elsewhere
    /// do not, and a reverse-complemented chunk loses them too (both strands are indexed).
    #[test]
    fn markov_prior_is_center_blind_local_and_leaves_its_own_position_out() {
        use crate::markov::build::{TextBuilder, tests::meta};
        let mut rng = SplitMix64(6);
        let train: Vec<u8> = (0..3000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
        let seq = EncodedSeq::from_ascii(&train).unwrap();
        let mut text = TextBuilder::new();
        text.add_contig(
            0,
            "t",
            seq.codes(),
            &IntervalSet::from_unsorted(vec![(0, 3000)]),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.fmd");
        text.finish(meta()).unwrap().save(&path).unwrap();
        for depth in [false, true] {
            let settings = PriorSettings {
                pseudocount: 1.0,
                markov: MarkovSettings {
                    k: 3,
                    alpha: 2.0,
                    min_order: 0,
                    leave_one_out: true,
                },
                depth,
            };
            let prior = Prior::load(&path, &settings, true).unwrap();
            assert_eq!(prior.info.table, PRIOR_INDEX);
            assert_eq!(prior.channels(), if depth { 6 } else { 4 });
            check_markov_prior(&prior, seq.codes());
        }
    }

    fn check_markov_prior(prior: &Prior, codes: &[u8]) {
        let field = 5;
        let chunk: Vec<u8> = codes[100..160].to_vec();
        let base = prior.inputs(&chunk, field, false, None);
        check_local(prior, &chunk, field, &base);
        check_left_out_and_strands(prior, &chunk, field, &base);
        if prior.channels() > 4 {
            check_depth(prior, codes, &chunk, field, &base);
        }
    }

    /// The prior at a position is blind to its own base and to bases more than k away.
    fn check_local(prior: &Prior, chunk: &[u8], field: usize, base: &[f32]) {
        let c = prior.channels();
        for i in field..chunk.len() - field {
            for p in 0..chunk.len() {
                let mut changed = chunk.to_vec();
                changed[p] = (changed[p] + 1) & 3;
                let got = prior.inputs(&changed, field, false, None);
                let same = got[i * c..i * c + c] == base[i * c..i * c + c];
                if p == i || p.abs_diff(i) > 3 {
                    assert!(same, "prior at {i} changed with base {p}");
                }
            }
        }
    }

    /// Leaving a position's own count out changes its prior only on its own contig, and the
    /// reverse strand's prior is the complement of the forward one's (the depth channels the
    /// same on both).
    fn check_left_out_and_strands(prior: &Prior, chunk: &[u8], field: usize, base: &[f32]) {
        let c = prior.channels();
        let at = |contig: &'static str, reverse: bool| Locus {
            contig,
            start: 100 + field as u64,
            reverse,
        };
        let loo = prior.inputs(chunk, field, true, Some(&at("t", false)));
        assert_ne!(loo, base);
        let other = prior.inputs(chunk, field, true, Some(&at("u", false)));
        assert_eq!(other, base);
        let rc = crate::predict::revcomp_codes(chunk);
        let rc_loo = prior.inputs(&rc, field, true, Some(&at("t", true)));
        let n = chunk.len();
        for i in field..n - field {
            for b in 0..4 {
                let (x, y) = (loo[i * c + b], rc_loo[(n - 1 - i) * c + 3 - b]);
                assert!((x - y).abs() < 1e-5, "{i} {b}: {x} vs {y}");
            }
            for d in 4..c {
                assert_eq!(loo[i * c + d], rc_loo[(n - 1 - i) * c + d], "{i} {d}");
            }
        }
    }

    /// The depth channels against a naive count of each context on both strands (no window
    /// across the junction of the text and its reverse complement).
    fn check_depth(prior: &Prior, codes: &[u8], chunk: &[u8], field: usize, base: &[f32]) {
        let c = prior.channels();
        let strand = codes.len();
        let text: Vec<u8> = codes
            .iter()
            .copied()
            .chain(crate::predict::revcomp_codes(codes))
            .collect();
        let k = prior.k();
        for i in field..chunk.len() - field {
            let found = |j: usize| {
                let (l, r) = (&chunk[i - j..i], &chunk[i + 1..i + 1 + j]);
                (j..text.len() - j)
                    .filter(|&q| (q - j < strand) == (q + j < strand))
                    .filter(|&q| &text[q - j..q] == l && &text[q + 1..q + 1 + j] == r)
                    .count()
            };
            let order = (0..=k).take_while(|&j| found(j) > 0).last().unwrap();
            let want = [order as f32 / k as f32, (found(order) as f32).ln_1p() / 8.0];
            assert_eq!(base[i * c + 4..i * c + 6], want, "depth at {i}");
        }
    }
}
