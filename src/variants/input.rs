//! Reading the records of a VCF (plain, gzip or bgzip) or BCF, whole or one region of it
//! (which needs a bgzip VCF or a BCF with its index). Every record comes with its
//! [`Place`], and every line of VCF text is checked before htslib parses it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_htslib::bcf::{self, Read, header::HeaderView};

use crate::io::{Compression, sniff_compression};
use crate::{Error, Result};

use super::check::{check_line, excerpt};
use super::place::Place;
pub use super::place::Region;
use super::text::{Line, TextReader};

/// The records of a VCF or BCF, in file order.
pub struct VcfInput {
    source: Source,
    path: PathBuf,
    /// The region queried, as asked.
    region: Option<Arc<str>>,
    /// Records read so far.
    records: u64,
}

enum Source {
    /// VCF text, read line by line.
    Text(TextReader),
    /// BCF, through rust-htslib.
    Binary(Box<dyn ReadRecords>),
}

impl VcfInput {
    /// Opens `path`, or only `region` of it (`chrom:start-end`, 1-based, VCF names).
    pub fn open(path: &Path, region: Option<&str>) -> Result<VcfInput> {
        if !path.is_file() {
            return Err(Error::invalid(path, "no such file"));
        }
        if region.is_some() {
            check_indexed(path)?;
        }
        crate::io::quiet_htslib();
        Ok(VcfInput {
            source: open_source(path, region)?,
            path: path.to_path_buf(),
            region: region.map(Arc::from),
            records: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The input's header (htslib adds the contigs it learns from the records).
    pub fn header(&self) -> &HeaderView {
        match &self.source {
            Source::Text(t) => t.header(),
            Source::Binary(r) => r.header(),
        }
    }

    /// The place of the record just counted: its number in the region queried, or in the file.
    fn counted_place(&self) -> Place {
        match &self.region {
            Some(region) => Place::InRegion {
                region: Arc::clone(region),
                n: self.records,
            },
            None => Place::Record(self.records),
        }
    }

    /// The next record and its place, or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<(bcf::Record, Place)>> {
        self.records += 1;
        let counted = self.counted_place();
        let (rec, place) = match &mut self.source {
            // a line of the file when there is one to name
            Source::Text(text) if self.region.is_none() => {
                let place = Place::Line(text.lines_read() + 1);
                (read_text(text, &place, &self.path), place)
            }
            Source::Text(text) => (read_text(text, &counted, &self.path), counted),
            Source::Binary(reader) => (read_binary(reader.as_mut(), &counted, &self.path), counted),
        };
        match rec {
            Ok(Some(mut rec)) => {
                Some(check_errcode(&mut rec, &place, &self.path).map(|()| (rec, place)))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// The records of `path` as VCF text or BCF, positioned at `region` when one is given.
fn open_source(path: &Path, region: Option<&str>) -> Result<Source> {
    Ok(match (TextReader::open(path)?, region) {
        (Some(text), None) => Source::Text(text),
        (Some(mut text), Some(region)) => {
            let r = Region::parse(region)?;
            has_contig(text.header(), &r, region, path)?;
            text.query(path, &r)?;
            Source::Text(text)
        }
        (None, None) => {
            Source::Binary(Box::new(bcf::Reader::from_path(path).map_err(|e| {
                Error::invalid(path, format!("not a readable VCF/BCF: {e}"))
            })?))
        }
        (None, Some(region)) => Source::Binary(Box::new(open_bcf_region(path, region)?)),
    })
}

/// Reads, checks and parses the next line of VCF text.
fn read_text(text: &mut TextReader, place: &Place, path: &Path) -> Result<Option<bcf::Record>> {
    match text.next_line() {
        Line::End => return Ok(None),
        Line::Failed => {
            let why = match check_line(text.line()) {
                Err(bad) => bad.to_string(),
                Ok(()) => "cannot be read: the file is truncated or corrupt".to_string(),
            };
            return Err(place.error(path, why));
        }
        Line::Read => {}
    }
    check_line(text.line()).map_err(|why| place.error(path, why))?;
    match text.parse() {
        Some(rec) => Ok(Some(rec)),
        None => Err(place.error(
            path,
            format!("htslib cannot parse the record {}", excerpt(text.line())),
        )),
    }
}

/// Reads the next BCF record.
fn read_binary(
    reader: &mut dyn ReadRecords,
    place: &Place,
    path: &Path,
) -> Result<Option<bcf::Record>> {
    let mut rec = reader.empty_record();
    match reader.read(&mut rec) {
        None => Ok(None),
        Some(Ok(())) => Ok(Some(rec)),
        Some(Err(e)) => Err(place.error(
            path,
            format!("cannot be read ({e}): the file is truncated or corrupt"),
        )),
    }
}

/// htslib's record error bits (vcf.h), the ones it repairs itself first.
const BCF_ERR_CTG_UNDEF: i32 = 1;
const BCF_ERR_TAG_UNDEF: i32 = 2;
const BCF_ERRORS: [(i32, &str); 5] = [
    (4, "wrong number of columns"),
    (8, "a value beyond htslib's limits"),
    (16, "invalid characters"),
    (32, "an invalid contig name"),
    (64, "an invalid tag"),
];

/// htslib marks records whose contig or INFO tag the header did not declare (it adds them
/// to the header itself, and the output header declares them): those marks are cleared.
/// Any other mark is an error here, not left to htslib's writer (which would refuse it).
fn check_errcode(rec: &mut bcf::Record, place: &Place, path: &Path) -> Result<()> {
    let inner = rec.inner_mut();
    inner.errcode &= !(BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF);
    let code = inner.errcode;
    if code == 0 {
        return Ok(());
    }
    let why: Vec<&str> = BCF_ERRORS
        .iter()
        .filter(|(bit, _)| code & bit != 0)
        .map(|(_, why)| *why)
        .collect();
    Err(place.error(
        path,
        format!(
            "htslib could not parse the record: {} (error code {code})",
            why.join(", ")
        ),
    ))
}

/// A region query needs a bgzip VCF (or a BCF) and its index.
fn check_indexed(path: &Path) -> Result<()> {
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
    Ok(())
}

/// The region's contig must be one the header declares.
fn has_contig(header: &HeaderView, r: &Region, region: &str, path: &Path) -> Result<u32> {
    header.name2rid(r.chrom.as_bytes()).map_err(|_| {
        Error::config(
            "--region",
            format!(
                "--region {region}: {} has no contig '{}'",
                path.display(),
                r.chrom
            ),
        )
    })
}

fn open_bcf_region(path: &Path, region: &str) -> Result<bcf::IndexedReader> {
    let mut reader = bcf::IndexedReader::from_path(path)
        .map_err(|e| Error::invalid(path, format!("cannot open with its index: {e}")))?;
    let r = Region::parse(region)?;
    let rid = has_contig(Read::header(&reader), &r, region, path)?;
    reader
        .fetch(rid, r.start, r.end)
        .map_err(|e| Error::config("--region", format!("--region {region}: {e}")))?;
    Ok(reader)
}

/// The BCF readers used, behind one interface.
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
