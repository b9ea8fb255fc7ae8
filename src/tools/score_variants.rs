//! score-variants: each SNV allele of a VCF/BCF scored by a model, as an annotated VCF/BCF
//! and a Parquet table.

use std::path::PathBuf;

use crate::genome::Genome;
use crate::models::{self, ModelSpec};
use crate::variants::{self, Request, Summary};
use crate::{Error, Result};

/// Score the records of a VCF/BCF with a model.
#[derive(Debug, Clone)]
pub struct ScoreVariants {
    pub genome: PathBuf,
    pub model: ModelSpec,
    /// The input, the outputs and how to score.
    pub request: Request,
    pub quiet: bool,
}

impl ScoreVariants {
    pub fn run(&self) -> Result<()> {
        self.check_outputs()?;
        let genome = Genome::open(&self.genome)?;
        let loaded = self.model.load(&genome)?;
        let model = loaded.predictor.as_ref();
        models::require_base(model, &self.model.path, "score-variants")?;
        let summary = variants::score_variants(&self.request, &genome, model, &loaded.meta)?;
        if !self.quiet {
            eprintln!(
                "score-variants: {} ({})",
                describe(&summary),
                model.describe()
            );
        }
        if summary.mismatches > 0 {
            self.warn_mismatches(&summary);
        }
        Ok(())
    }

    /// The records whose REF does not match the genome, which were not scored.
    fn warn_mismatches(&self, summary: &Summary) {
        crate::progress::warn(format_args!(
            "{} record(s) whose REF is missing or does not match {} were not scored; first: {}",
            summary.mismatches,
            self.genome.display(),
            summary.examples.join("; ")
        ));
    }

    /// Refuses to overwrite an input, two outputs on standard output, and an index of one.
    fn check_outputs(&self) -> Result<()> {
        let req = &self.request;
        let inputs = [&self.genome, &self.model.path, &req.input]
            .into_iter()
            .chain(&req.contig_map);
        crate::io::refuse_overwrite(inputs, req.output.iter().chain(&req.parquet))?;
        let to_stdout = req
            .output
            .iter()
            .chain(&req.parquet)
            .filter(|p| crate::io::is_stdio(p));
        if to_stdout.count() > 1 {
            return Err(Error::config(
                "-o",
                "-o - and --parquet -: standard output takes one stream; write one of them to a file",
            ));
        }
        if req.index && req.output.as_deref().is_some_and(crate::io::is_stdio) {
            return Err(Error::config(
                "--index",
                "--index needs the output in a file: an index cannot be made of standard output",
            ));
        }
        Ok(())
    }
}

fn describe(s: &Summary) -> String {
    format!(
        "{} records, {} SNV alleles scored, {} non-SNV alleles passed through, {} REF mismatches; {:.0} variants/s",
        s.records,
        s.scored,
        s.not_snv,
        s.mismatches,
        s.records as f64 / s.seconds.max(1e-9)
    )
}
