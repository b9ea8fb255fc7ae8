//! An optional k-mer prior for the neural models: the k-mer model's log-probabilities at each
//! position enter the dense head beside the two streams' features, so a network can rely on
//! the counts where they are strong (repeats, whose copies the count table has memorized)
//! and on its long context elsewhere: the seed's "merge the k-mer model and a convolutional
//! one, as input to the final dense layer".
//!
//! The prior at i depends on bases within k of i, never on base i, so with k <= field the
//! model contract holds. On training chunks a position's own count is left out
//! (leave-one-out), so the prior has not seen the target it helps predict.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::Result;
use crate::kmer::{KmerModel, KmerSettings, Strands, table};
use crate::predict::Probs;

/// How the prior was made (saved in the model folder's config.yaml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorInfo {
    /// File name of the count table inside the model folder.
    pub table: String,
    pub k: usize,
    pub strands: String,
    pub pseudocount: f64,
    /// The count table's genome and split, from its metadata.
    pub counted_on: String,
}

/// The file name of the prior's count table in a model folder.
pub const PRIOR_TABLE: &str = "prior.parquet";

/// A loaded prior.
pub struct Prior {
    model: KmerModel,
    both_strands: bool,
    pub info: PriorInfo,
}

const LOG_QUARTER: f32 = -std::f32::consts::LN_2 * 2.0;

impl Prior {
    /// Loads a count table; `loo` keeps the counts for leave-one-out training priors.
    pub fn load(path: &Path, pseudocount: f64, loo: bool) -> Result<Prior> {
        let budget = 8u64 << 30;
        let (counts, meta) = table::read_model(path, budget)?;
        let info = PriorInfo {
            table: PRIOR_TABLE.into(),
            k: meta.k,
            strands: meta.strands.as_str().into(),
            pseudocount,
            counted_on: format!(
                "{} split={} chroms={}",
                meta.genome, meta.split, meta.chroms
            ),
        };
        let settings = KmerSettings {
            pseudocount,
            backoff: true,
            budget_bytes: budget,
            keep_counts: loo,
        };
        Ok(Prior {
            model: KmerModel::new(counts, settings),
            both_strands: meta.strands == Strands::Both,
            info,
        })
    }

    pub fn k(&self) -> usize {
        self.model.k()
    }

    /// Log-probabilities (L x 4, row-major) for every position of a padded chunk of encoded
    /// bases (`field` bases each side of the central ones); flank positions and unknown
    /// centers get the uniform prior. `counted` marks a training chunk whose central
    /// positions are in the count table, so their own counts are left out; `rc` says the
    /// chunk was reverse-complemented, whose windows a forward-strand table did not count.
    pub fn log_probs(&self, chunk: &[u8], field: usize, counted: bool, rc: bool) -> Vec<f32> {
        let n = chunk.len();
        let mut out = vec![LOG_QUARTER; n * 4];
        if n <= 2 * field {
            return out;
        }
        let subtract = counted && (!rc || self.both_strands);
        let mut probs: Vec<Probs> = Vec::with_capacity(n - 2 * field);
        self.model
            .predict_loo(chunk, field, n - field, subtract, &mut probs);
        for (i, p) in probs.iter().enumerate() {
            if p[0].is_nan() {
                continue;
            }
            for b in 0..4 {
                out[(field + i) * 4 + b] = p[b].max(1e-12).ln();
            }
        }
        out
    }
}

/// Stacks per-chunk priors (each L x 4) into an N x L x 4 tensor on `device`.
pub fn to_tensor(flat: &[f32], n: usize, len: usize, device: Device) -> Tensor {
    Tensor::from_slice(flat)
        .view([n as i64, len as i64, 4])
        .to_device(device)
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
        let prior = Prior::load(&path, 1.0, true).unwrap();
        let field = 5;
        let chunk: Vec<u8> = seq.codes()[100..160].to_vec();
        let base = prior.log_probs(&chunk, field, false, false);
        for i in field..chunk.len() - field {
            for p in 0..chunk.len() {
                let mut c = chunk.clone();
                c[p] = (c[p] + 1) & 3;
                let got = prior.log_probs(&c, field, false, false);
                let same = got[i * 4..i * 4 + 4] == base[i * 4..i * 4 + 4];
                if p == i || p.abs_diff(i) > 3 {
                    assert!(same, "prior at {i} changed with base {p}");
                }
            }
        }
        // leave-one-out changes a counted training position's prior
        let loo = prior.log_probs(&chunk, field, true, false);
        assert_ne!(loo, base);
        // a reverse-complemented chunk of a forward-strand table keeps its counts
        assert_eq!(prior.log_probs(&chunk, field, true, true), base);
    }
}
