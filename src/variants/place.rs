//! Where a record is in its file, for messages that let a user find it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::Error;

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
