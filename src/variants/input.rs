//! Reading the records of a VCF (plain, gzip or bgzip) or BCF, whole or one region of it
//! (which needs a bgzip VCF or a BCF with its index).

use std::path::{Path, PathBuf};

use rust_htslib::bcf::{self, Read, header::HeaderView};

use crate::io::{Compression, sniff_compression};
use crate::{Error, Result};

/// A region of a query: contig, 0-based start, 0-based inclusive end (none: to the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub chrom: String,
    pub start: u64,
    pub end: Option<u64>,
}

impl Region {
    /// `chrom`, `chrom:start` or `chrom:start-end`, 1-based inclusive (commas allowed).
    pub fn parse(region: &str) -> Result<Region> {
        let bad = || {
            Error::Config(format!(
                "--region '{region}': use chrom, chrom:start or chrom:start-end (1-based)"
            ))
        };
        let Some((chrom, range)) = region.rsplit_once(':') else {
            return Ok(Region {
                chrom: region.to_string(),
                start: 0,
                end: None,
            });
        };
        let range = range.replace(',', "");
        let number = |s: &str| s.parse::<u64>().map_err(|_| bad());
        let (s, e) = match range.split_once('-') {
            Some((s, e)) => (number(s)?, Some(number(e)?)),
            None => (number(&range)?, None),
        };
        if s == 0 || e.is_some_and(|e| e < s) {
            return Err(bad());
        }
        Ok(Region {
            chrom: chrom.to_string(),
            start: s - 1,
            end: e.map(|e| e - 1),
        })
    }
}

/// The records of a VCF or BCF, in file order.
pub struct VcfInput {
    reader: Box<dyn ReadRecords>,
    path: PathBuf,
}

impl VcfInput {
    /// Opens `path`, or only `region` of it (`chrom:start-end`, 1-based, VCF names).
    pub fn open(path: &Path, region: Option<&str>) -> Result<VcfInput> {
        if !path.is_file() {
            return Err(Error::invalid(path, "no such file"));
        }
        let reader: Box<dyn ReadRecords> = match region {
            None => Box::new(
                bcf::Reader::from_path(path)
                    .map_err(|e| Error::invalid(path, format!("not a readable VCF/BCF: {e}")))?,
            ),
            Some(region) => Box::new(open_region(path, region)?),
        };
        Ok(VcfInput {
            reader,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The input's header (htslib adds the contigs it learns from the records).
    pub fn header(&self) -> &HeaderView {
        self.reader.header()
    }

    /// The next record, or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<bcf::Record>> {
        let mut rec = self.reader.empty_record();
        match self.reader.read(&mut rec)? {
            Ok(()) => Some(Ok(rec)),
            Err(e) => Some(Err(Error::invalid(
                &self.path,
                format!("reading a record: {e}"),
            ))),
        }
    }
}

fn open_region(path: &Path, region: &str) -> Result<bcf::IndexedReader> {
    let name = path.to_string_lossy();
    if sniff_compression(path)? != Compression::Bgzf {
        return Err(Error::invalid(
            path,
            "--region needs a bgzip-compressed VCF (or a BCF) with an index; compress it with `bgzip` and index it with `tabix -p vcf`",
        ));
    }
    let has_index = [".tbi", ".csi"]
        .iter()
        .any(|ext| Path::new(&format!("{name}{ext}")).is_file());
    if !has_index {
        return Err(Error::invalid(
            path,
            format!(
                "--region needs an index ({name}.tbi or {name}.csi); make one with `tabix -p vcf {name}` (or `bcftools index`)"
            ),
        ));
    }
    let mut r = bcf::IndexedReader::from_path(path)
        .map_err(|e| Error::invalid(path, format!("cannot open with its index: {e}")))?;
    let Region { chrom, start, end } = Region::parse(region)?;
    let rid = Read::header(&r).name2rid(chrom.as_bytes()).map_err(|_| {
        Error::Config(format!(
            "--region {region}: {} has no contig '{chrom}'",
            path.display()
        ))
    })?;
    r.fetch(rid, start, end)
        .map_err(|e| Error::Config(format!("--region {region}: {e}")))?;
    Ok(r)
}

/// The record readers used, behind one interface.
trait ReadRecords {
    fn header(&self) -> &HeaderView;
    fn empty_record(&self) -> bcf::Record;
    fn read(&mut self, rec: &mut bcf::Record) -> Option<rust_htslib::errors::Result<()>>;
}

impl<R: Read> ReadRecords for R {
    fn header(&self) -> &HeaderView {
        Read::header(self)
    }
    fn empty_record(&self) -> bcf::Record {
        Read::empty_record(self)
    }
    fn read(&mut self, rec: &mut bcf::Record) -> Option<rust_htslib::errors::Result<()>> {
        Read::read(self, rec)
    }
}
