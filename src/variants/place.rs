//! Where a record is in its file, for messages that let a user find it, and the region a
//! query asks for.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::{Error, Result};

/// A record's place: a line of VCF text, or the n-th record of a BCF or of a region query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A line of a VCF, 1-based, header lines counted (as editors count).
    Line(u64),
    /// The n-th record (1-based) of a BCF.
    Record(u64),
    /// The n-th record (1-based) that a region query returned.
    InRegion { region: Arc<str>, n: u64 },
}

impl Place {
    /// An error about the record at this place of `path`.
    pub fn error(&self, path: &Path, msg: impl fmt::Display) -> Error {
        match self {
            Place::Line(line) => Error::parse(path, *line as usize, msg.to_string()),
            other => Error::invalid(path, format!("{other}: {msg}")),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(line) => write!(f, "line {line}"),
            Place::Record(n) => write!(f, "record {n}"),
            Place::InRegion { region, n } => write!(f, "record {n} of region {region}"),
        }
    }
}

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
            Error::config(
                "--region",
                format!("--region '{region}': use chrom, chrom:start or chrom:start-end (1-based)"),
            )
        };
        let Some((chrom, range)) = region.rsplit_once(':') else {
            return Ok(Region {
                chrom: region.to_string(),
                start: 0,
                end: None,
            });
        };
        let (s, e) = parse_range(range).ok_or_else(bad)?;
        Ok(Region {
            chrom: chrom.to_string(),
            start: s - 1,
            end: e.map(|e| e - 1),
        })
    }
}

/// `start` or `start-end` (1-based inclusive, commas allowed) as numbers; `None` when either
/// is not a number, start is 0 or end is before start.
fn parse_range(range: &str) -> Option<(u64, Option<u64>)> {
    let range = range.replace(',', "");
    let number = |s: &str| s.parse::<u64>().ok();
    let (s, e) = match range.split_once('-') {
        Some((s, e)) => (number(s)?, Some(number(e)?)),
        None => (number(&range)?, None),
    };
    if s == 0 || e.is_some_and(|e| e < s) {
        return None;
    }
    Some((s, e))
}
