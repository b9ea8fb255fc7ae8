//! Records in, scores out: records are buffered per contig and scored batch by batch
//! through the predictor, then handed on in file order.

use std::path::Path;
use std::time::Instant;

use rust_htslib::bcf::Record;

use crate::genome::{EncodedSeq, Genome, encode};
use crate::predict::Predictor;
use crate::{Error, Result};

use super::{ContigNames, Place, RecordScore, Site, Skip, VcfInput};

/// How records are scored.
#[derive(Debug, Clone, Copy)]
pub struct ScoreOptions {
    /// Average each prediction with the reverse complement's.
    pub rc_average: bool,
    /// Records predicted per batch.
    pub batch: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            rc_average: false,
            batch: 4096,
        }
    }
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub records: u64,
    /// SNV alleles scored.
    pub scored: u64,
    /// Alleles passed through unscored because they are not SNVs.
    pub not_snv: u64,
    /// Records whose REF is missing or does not match the genome.
    pub mismatches: u64,
    /// The first few mismatches, as `chrom:pos REF x, genome y`.
    pub examples: Vec<String>,
    pub seconds: f64,
}

/// What receives each scored record, in file order: the genome's contig name, the record
/// and its score.
pub type Sink<'a> = dyn FnMut(&str, &mut Record, &RecordScore) -> Result<()> + 'a;

/// Scores every record of `input` against `genome` through `model`, handing each to
/// `sink` in file order.
pub fn score_records(
    input: &mut VcfInput,
    genome: &Genome,
    names: &ContigNames,
    model: &dyn Predictor,
    options: ScoreOptions,
    sink: &mut Sink,
) -> Result<Summary> {
    let started = Instant::now();
    let mut batch = Batch::new(model, options);
    while let Some(rec) = input.next_record() {
        let (rec, place) = rec?;
        let vcf_name = contig_name(&rec, input.path())?;
        let name = names.genome_name(&vcf_name, rec.pos(), &place)?;
        check_inside(&rec, &place, input.path(), (&vcf_name, &name), genome)?;
        batch.push(rec, name, genome, sink)?;
    }
    batch.flush(sink)?;
    let mut summary = batch.summary;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Every record's score, in file order, with the names as they are: the whole path from a
/// VCF/BCF file to scores, for tests and fuzzing.
pub fn score_file(path: &Path, genome: &Genome, model: &dyn Predictor) -> Result<Vec<RecordScore>> {
    let names = ContigNames::new(genome, path, None, None)?;
    let mut input = VcfInput::open(path, None)?;
    let mut scores = Vec::new();
    score_records(
        &mut input,
        genome,
        &names,
        model,
        ScoreOptions::default(),
        &mut |_, _, score| {
            scores.push(score.clone());
            Ok(())
        },
    )?;
    Ok(scores)
}

/// A record's position must lie on its contig: POS 1 to the contig's length. (POS 0 and
/// length + 1 stand for telomeres in the VCF spec; nothing there can be scored either.)
fn check_inside(
    rec: &Record,
    place: &Place,
    path: &Path,
    (vcf_name, name): (&str, &str),
    genome: &Genome,
) -> Result<()> {
    let len = genome.contig(name).map_or(0, |c| c.len);
    let pos = rec.pos();
    if pos >= 0 && (pos as u64) < len as u64 {
        return Ok(());
    }
    let mapped = mapped_note(vcf_name, name);
    Err(place.error(
        path,
        format!(
            "POS {} is outside contig {vcf_name}{mapped} ({len} bases in {}; POS runs from 1 to {len})",
            pos + 1,
            genome.path().display()
        ),
    ))
}

/// The genome's name of the contig when the VCF's differs, as `, 'name' in the genome`.
fn mapped_note(vcf_name: &str, name: &str) -> String {
    if name != vcf_name {
        format!(", '{name}' in the genome")
    } else {
        String::new()
    }
}

/// The record's contig, through the reader's own header (which learns contigs as it reads).
fn contig_name(rec: &Record, path: &Path) -> Result<String> {
    let rid = rec
        .rid()
        .ok_or_else(|| Error::invalid(path, "a record without a contig"))?;
    let name = rec
        .header()
        .rid2name(rid)
        .map_err(|e| Error::invalid(path, format!("contig id {rid}: {e}")))?;
    Ok(String::from_utf8_lossy(name).into_owned())
}

/// The records of one contig waiting to be scored.
struct Batch<'a> {
    model: &'a dyn Predictor,
    options: ScoreOptions,
    /// The genome's name of the contig and its bases.
    contig: Option<(String, EncodedSeq)>,
    records: Vec<Record>,
    summary: Summary,
}

impl<'a> Batch<'a> {
    /// An empty batch scored through `model`.
    fn new(model: &'a dyn Predictor, options: ScoreOptions) -> Batch<'a> {
        Batch {
            model,
            options,
            contig: None,
            records: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Buffers `rec` on contig `name`, scoring the buffer first when the contig changes and
    /// after when it is full.
    fn push(&mut self, rec: Record, name: String, genome: &Genome, sink: &mut Sink) -> Result<()> {
        if self.contig.as_ref().map(|c| &c.0) != Some(&name) {
            self.flush(sink)?;
            self.contig = Some((name.clone(), genome.fetch(&name)?));
        }
        self.records.push(rec);
        if self.records.len() >= self.options.batch.max(1) {
            self.flush(sink)?;
        }
        Ok(())
    }

    /// Scores the buffered records and hands them to `sink`.
    fn flush(&mut self, sink: &mut Sink) -> Result<()> {
        let Some((name, seq)) = &self.contig else {
            return Ok(());
        };
        if self.records.is_empty() {
            return Ok(());
        }
        let sites: Vec<Site> = self
            .records
            .iter()
            .map(|r| Site {
                pos: r.pos().max(0) as usize,
                alleles: r.alleles(),
            })
            .collect();
        let scores = super::score_sites(self.model, seq.codes(), &sites, self.options.rc_average)?;
        drop(sites);
        for (rec, score) in self.records.iter_mut().zip(&scores) {
            self.summary.count(name, seq, rec, score);
            sink(name, rec, score)?;
        }
        self.records.clear();
        Ok(())
    }
}

impl Summary {
    fn count(&mut self, name: &str, seq: &EncodedSeq, rec: &Record, score: &RecordScore) {
        self.records += 1;
        self.scored += score.alleles.iter().filter(|a| a.skip.is_none()).count() as u64;
        self.not_snv += score
            .alleles
            .iter()
            .filter(|a| a.skip == Some(Skip::NotSnv))
            .count() as u64;
        if !score.ref_mismatch {
            return;
        }
        self.mismatches += 1;
        if self.examples.len() < 5 {
            self.examples.push(mismatch_example(name, seq, rec));
        }
    }
}

/// A REF mismatch as `chrom:pos REF x, genome y`.
fn mismatch_example(name: &str, seq: &EncodedSeq, rec: &Record) -> String {
    let reference = rec
        .alleles()
        .first()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .unwrap_or_default();
    let actual = seq
        .codes()
        .get(rec.pos().max(0) as usize)
        .map(|&c| encode::decode(c) as char)
        .unwrap_or('-');
    format!("{name}:{} REF {reference}, genome {actual}", rec.pos() + 1)
}
