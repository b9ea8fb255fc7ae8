//! score-variants as a whole: the input read, the records scored, the annotated VCF/BCF
//! and the Parquet table written.

use std::path::{Path, PathBuf};

use rust_htslib::bcf;

use crate::Result;
use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::predict::Predictor;

use super::header::output_header;
use super::output::VcfOut;
use super::records::{ScoreOptions, Summary, score_records};
use super::table::ScoreTable;
use super::{ChrPrefix, ContigNames, OutputFormat, RecordScore, VcfInput};

/// What score-variants is asked to do, the model aside.
#[derive(Debug, Clone)]
pub struct Request {
    /// VCF (plain, gzip or bgzip) or BCF.
    pub input: PathBuf,
    /// Only this region (`chrom:start-end`, 1-based inclusive, VCF names).
    pub region: Option<String>,
    /// VCF contig name to genome name, two tab-separated columns.
    pub contig_map: Option<PathBuf>,
    pub chr_prefix: Option<ChrPrefix>,
    /// The annotated VCF/BCF, in this format (or the one its name says).
    pub output: Option<PathBuf>,
    pub output_format: Option<OutputFormat>,
    /// Index the output (.tbi or .csi).
    pub index: bool,
    /// The Parquet table, one row per ALT allele.
    pub parquet: Option<PathBuf>,
    /// The model's path, for the output header.
    pub model_path: PathBuf,
    pub options: ScoreOptions,
}

impl Request {
    /// The VCF/BCF output `path` with `header`, in the format asked for or told by its name.
    fn create_output(&self, path: &Path, header: &bcf::Header) -> Result<VcfOut> {
        let format = match self.output_format {
            Some(f) => f,
            None => OutputFormat::of_path(path)?,
        };
        VcfOut::create(path, header, format)
    }

    /// The contig names of the input mapped to the genome's as the request says.
    fn contig_names<'a>(&self, genome: &'a Genome) -> Result<ContigNames<'a>> {
        ContigNames::new(
            genome,
            &self.input,
            self.contig_map.as_deref(),
            self.chr_prefix,
        )
    }

    /// The outputs the request asks for, the VCF/BCF one with `header`.
    fn outputs(&self, header: &bcf::Header) -> Result<Outputs> {
        let vcf = match &self.output {
            Some(path) => Some(self.create_output(path, header)?),
            None => None,
        };
        let table = self.parquet.as_ref().map(|_| ScoreTable::default());
        Ok(Outputs { vcf, table })
    }
}

/// What the scored records go to: the annotated VCF/BCF and the Parquet table, each when
/// asked for.
struct Outputs {
    vcf: Option<VcfOut>,
    table: Option<ScoreTable>,
}

impl Outputs {
    /// Adds a scored record of contig `chrom` to the table and writes it to the VCF/BCF.
    fn add(&mut self, chrom: &str, rec: &mut bcf::Record, score: &RecordScore) -> Result<()> {
        if let Some(t) = self.table.as_mut() {
            t.add(chrom, rec, score);
        }
        match self.vcf.as_mut() {
            Some(o) => o.write(rec, score),
            None => Ok(()),
        }
    }

    /// Writes the table and finishes the VCF/BCF (indexed when `req` asks).
    fn finish(self, req: &Request, model_meta: &Metadata) -> Result<()> {
        if let (Some(path), Some(table)) = (&req.parquet, self.table) {
            table.write(path, model_meta)?;
        }
        if let Some(out) = self.vcf {
            out.finish(req.index)?;
        }
        Ok(())
    }
}

/// Scores every record of `req.input` with `model` and writes the outputs it asks for.
pub fn score_variants(
    req: &Request,
    genome: &Genome,
    model: &dyn Predictor,
    model_meta: &Metadata,
) -> Result<Summary> {
    let names = req.contig_names(genome)?;
    let mut input = VcfInput::open(&req.input, req.region.as_deref())?;
    let model_line = format!("{} ({})", req.model_path.display(), model.describe());
    let header = output_header(input.header(), genome, &names, &model_line);
    let mut outputs = req.outputs(&header)?;
    let summary = score_records(
        &mut input,
        genome,
        &names,
        model,
        req.options,
        &mut |chrom, rec, score| outputs.add(chrom, rec, score),
    )?;
    outputs.finish(req, model_meta)?;
    Ok(summary)
}
