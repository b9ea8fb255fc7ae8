//! The annotated VCF/BCF: written to a temporary file, indexed there if asked, and renamed
//! (with its index) only once everything succeeded.

use std::path::{Path, PathBuf};

use rust_htslib::bcf;

use crate::io::TempOutput;
use crate::{Error, Result};

use super::RecordScore;
use super::annotate::annotate;

/// The output's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Plain-text VCF.
    Vcf,
    /// bgzip-compressed VCF (indexed with .tbi).
    VcfGz,
    /// BCF (indexed with .csi).
    Bcf,
}

impl OutputFormat {
    /// The format `path`'s name says: `.vcf`, `.vcf.gz` (or `.vcf.bgz`) or `.bcf`; plain VCF
    /// for standard output (`-`), as bcftools writes it.
    pub fn of_path(path: &Path) -> Result<OutputFormat> {
        let name = path.to_string_lossy();
        if crate::io::is_stdio(path) {
            Ok(OutputFormat::Vcf)
        } else if name.ends_with(".vcf.gz") || name.ends_with(".vcf.bgz") {
            Ok(OutputFormat::VcfGz)
        } else if name.ends_with(".bcf") {
            Ok(OutputFormat::Bcf)
        } else if name.ends_with(".vcf") {
            Ok(OutputFormat::Vcf)
        } else {
            Err(Error::invalid(
                path,
                "cannot tell the output format from the name: end it in .vcf, .vcf.gz or .bcf, or give --output-type",
            ))
        }
    }
}

/// A VCF/BCF written to a temporary file, renamed (with its index) at the end.
pub struct VcfOut {
    writer: Option<bcf::Writer>,
    temp: TempOutput,
    format: OutputFormat,
}

impl VcfOut {
    pub fn create(dest: &Path, header: &bcf::Header, format: OutputFormat) -> Result<VcfOut> {
        let temp = TempOutput::new(dest)?;
        let (uncompressed, kind) = match format {
            OutputFormat::Vcf => (true, bcf::Format::Vcf),
            OutputFormat::VcfGz => (false, bcf::Format::Vcf),
            OutputFormat::Bcf => (false, bcf::Format::Bcf),
        };
        let writer = bcf::Writer::from_path(temp.path(), header, uncompressed, kind)
            .map_err(|e| Error::write(dest, "cannot write", e))?;
        Ok(VcfOut {
            writer: Some(writer),
            temp,
            format,
        })
    }

    fn dest(&self) -> &Path {
        self.temp.dest()
    }

    /// Writes `rec` with the INFO fields of `score`.
    pub fn write(&mut self, rec: &mut bcf::Record, score: &RecordScore) -> Result<()> {
        let dest = self.temp.dest().to_path_buf();
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| Error::invalid(&dest, "writer closed"))?;
        // VcfInput cleared the error marks htslib repairs itself, and refused the others.
        writer.translate(rec);
        annotate(rec, score)
            .map_err(|e| Error::invalid(&dest, format!("annotating a record: {e}")))?;
        writer
            .write(rec)
            .map_err(|e| Error::write(&dest, "writing", e))
    }

    /// Closes the file, indexes it when asked, and moves both into place.
    pub fn finish(mut self, index: bool) -> Result<()> {
        drop(self.writer.take());
        let mut index_files = Vec::new();
        if index {
            index_files.push(self.build_index()?);
        }
        self.temp.commit()?;
        for (from, to) in index_files {
            std::fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
        }
        Ok(())
    }

    /// Indexes the temporary file; returns the index's temporary and final paths.
    fn build_index(&self) -> Result<(PathBuf, PathBuf)> {
        let (ext, kind) = match self.format {
            OutputFormat::VcfGz => ("tbi", bcf::index::Type::Tbx),
            OutputFormat::Bcf => ("csi", bcf::index::Type::Csi(14)),
            OutputFormat::Vcf => {
                return Err(Error::invalid(
                    self.dest(),
                    "--index needs a compressed output (.vcf.gz or .bcf)",
                ));
            }
        };
        let tmp_index = PathBuf::from(format!("{}.{ext}", self.temp.path().display()));
        bcf::index::build(self.temp.path(), Some(tmp_index.as_path()), 1, kind)
            .map_err(|e| Error::write(self.dest(), "indexing", e))?;
        let dest_index = PathBuf::from(format!("{}.{ext}", self.dest().display()));
        Ok((tmp_index, dest_index))
    }
}
