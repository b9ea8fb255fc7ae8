//! The Parquet table of scores, one row per ALT allele: chrom (the genome's name), pos
//! (1-based, as in the VCF), ref, alt, scored, reason (why not scored), p_ref, p_alt, llr,
//! pred, entropy.

use std::path::Path;

use polars::prelude::*;
use rust_htslib::bcf::Record;

use crate::io::parquet::{self as pq, Metadata};
use crate::{Error, Result};

use super::RecordScore;

/// The table's columns, filled record by record.
#[derive(Default)]
pub struct ScoreTable {
    chrom: Vec<String>,
    pos: Vec<u64>,
    reference: Vec<String>,
    alt: Vec<String>,
    scored: Vec<bool>,
    reason: Vec<Option<&'static str>>,
    p_ref: Vec<Option<f32>>,
    p_alt: Vec<Option<f32>>,
    llr: Vec<Option<f32>>,
    pred: Vec<Option<String>>,
    entropy: Vec<Option<f32>>,
}

impl ScoreTable {
    /// Adds one row per ALT allele of `rec`, on genome contig `chrom`.
    pub fn add(&mut self, chrom: &str, rec: &Record, score: &RecordScore) {
        let alleles = rec.alleles();
        let reference =
            String::from_utf8_lossy(alleles.first().copied().unwrap_or_default()).into_owned();
        let pe = score.pred_entropy();
        for a in &score.alleles {
            self.chrom.push(chrom.to_string());
            self.pos.push(rec.pos() as u64 + 1);
            self.reference.push(reference.clone());
            self.alt.push(String::from_utf8_lossy(&a.alt).into_owned());
            self.scored.push(a.skip.is_none());
            self.reason.push(a.skip.map(|s| s.as_str()));
            self.p_ref.push(score.p_ref);
            self.p_alt.push(a.p_alt);
            self.llr.push(a.llr);
            self.pred.push(pe.map(|(b, _)| (b as char).to_string()));
            self.entropy.push(pe.map(|(_, e)| e));
        }
    }

    /// Writes the table to `path` with the model's metadata `meta`.
    pub fn write(self, path: &Path, meta: &Metadata) -> Result<()> {
        let n = self.chrom.len();
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("chrom".into(), self.chrom),
                Column::new("pos".into(), self.pos),
                Column::new("ref".into(), self.reference),
                Column::new("alt".into(), self.alt),
                Column::new("scored".into(), self.scored),
                Column::new("reason".into(), self.reason),
                Column::new("p_ref".into(), self.p_ref),
                Column::new("p_alt".into(), self.p_alt),
                Column::new("llr".into(), self.llr),
                Column::new("pred".into(), self.pred),
                Column::new("entropy".into(), self.entropy),
            ],
        )
        .map_err(|e| Error::parquet(path, e))?;
        let mut meta = meta.clone();
        meta.insert("dnactx.kind".into(), "variant_scores".into());
        meta.insert("dnactx.version".into(), crate::VERSION.into());
        pq::write(path, &mut df, &meta)
    }
}
