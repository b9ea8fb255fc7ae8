//! How a genome is read, decided once when it is opened: a FASTA through its faidx index
//! when the index is checked against the file ([`super::fai_check`]), after building or
//! rebuilding it when the folder is writable; streamed from the start otherwise (gzip,
//! ragged lines, a read-only folder without an index). A `.2bit` through its own index.

use super::fai_check::{self, FaiEntry, IndexState};
use super::fasta::FastaReader;
use super::format::{Format, GenomeFile};
use super::two_bit::TwoBitReader;
use super::{Access, faidx};
use crate::io::Compression;
use crate::{Error, Result};

/// What opening found: the contigs in file order, how to read them, and (indexed access
/// only) where each contig's bases lie.
pub(super) struct Opened {
    pub lengths: Vec<(String, usize)>,
    pub access: Access,
    pub layout: Vec<FaiEntry>,
}

impl Opened {
    fn indexed(entries: Vec<FaiEntry>) -> Opened {
        let lengths = entries
            .iter()
            .map(|e| (e.name.clone(), e.len as usize))
            .collect();
        Opened {
            lengths,
            access: Access::Indexed,
            layout: entries,
        }
    }

    fn streamed(lengths: Vec<(String, usize)>) -> Opened {
        Opened {
            lengths,
            access: Access::Streamed,
            layout: Vec::new(),
        }
    }
}

/// Opens `file`, told whether index files may be written beside it.
pub(super) fn open(file: &GenomeFile, writable: bool) -> Result<Opened> {
    if file.format == Format::TwoBit {
        return Ok(Opened {
            lengths: TwoBitReader::open(&file.path)?.lengths(),
            access: Access::TwoBit,
            layout: Vec::new(),
        });
    }
    let compression = file.fasta_compression()?;
    if compression == Compression::Gzip {
        return Ok(Opened::streamed(stream_lengths(file)?));
    }
    let state = fai_check::check(file);
    if let IndexState::Fresh(entries) = state {
        return Ok(Opened::indexed(entries));
    }
    if !writable {
        return read_only(file, state);
    }
    rebuild(file, &state)
}

/// Opens `file` whose index is missing, stale or older (`state`): validated by streaming
/// once (errors name the line), then indexed afresh by htslib, or streamed when that fails.
fn rebuild(file: &GenomeFile, state: &IndexState) -> Result<Opened> {
    let lengths = stream_lengths(file)?;
    warn_rebuilding(file, state);
    let built = faidx::build(file).then(|| fai_check::check(file));
    match built {
        Some(IndexState::Fresh(entries)) if same_contigs(&entries, &lengths) => {
            Ok(Opened::indexed(entries))
        }
        built => {
            let disagrees = matches!(built, Some(IndexState::Fresh(_)));
            unindexed(file, disagrees, state);
            Ok(Opened::streamed(lengths))
        }
    }
}

/// Says that a stale or older index of `file` is rebuilt, and why.
fn warn_rebuilding(file: &GenomeFile, state: &IndexState) {
    let (fai, path) = (file.fai.display(), file.path.display());
    match state {
        IndexState::Stale(reason) => crate::progress::warn(format_args!(
            "{fai} does not match {path} ({reason}): rebuilding it"
        )),
        IndexState::Older(_) => {
            crate::progress::warn(format_args!("{fai} is older than {path}: rebuilding it"))
        }
        _ => {}
    }
}

/// A FASTA file htslib cannot index (lines of uneven width), or whose index disagrees with
/// the records (`disagrees`: it counts `;` comment lines inside a sequence as bases): it is
/// streamed, and its index taken away so that no tool reads wrong bases through it.
fn unindexed(file: &GenomeFile, disagrees: bool, state: &IndexState) {
    let stale = matches!(state, IndexState::Stale(_) | IndexState::Older(_));
    if !disagrees && !stale {
        return;
    }
    for p in file.index_paths() {
        let _ = std::fs::remove_file(p);
    }
    let why = if disagrees {
        "holds records that htslib indexes differently (';' comment lines inside a sequence?)"
    } else {
        "cannot be indexed (lines of uneven width?)"
    };
    let removed = if stale {
        "removed its stale index"
    } else {
        "not indexed"
    };
    crate::progress::warn(format_args!(
        "{} {why}: {removed}, reading it from the start",
        file.path.display()
    ));
}

/// In a folder where no index can be written: an older index whose layout matches is
/// used, a stale one refused, and without one the file is streamed.
fn read_only(file: &GenomeFile, state: IndexState) -> Result<Opened> {
    let (fai, path) = (file.fai.display(), file.path.display());
    match state {
        IndexState::Older(entries) => {
            crate::progress::warn(format_args!(
                "{fai} is older than {path} (its layout matches the file, so it is used; \
                 rebuild it with `samtools faidx` if the FASTA was edited)"
            ));
            Ok(Opened::indexed(entries))
        }
        IndexState::Stale(reason) => Err(Error::invalid(
            &file.path,
            format!(
                "its index {fai} is stale ({reason}) and the folder is not writable: \
                 rebuild it with `samtools faidx`, or delete it to stream the file"
            ),
        )),
        _ => Ok(Opened::streamed(stream_lengths(file)?)),
    }
}

/// Does the index list the contigs, and lengths, that the parser read?
fn same_contigs(entries: &[FaiEntry], lengths: &[(String, usize)]) -> bool {
    let indexed = entries.iter().map(|e| (e.name.as_str(), e.len));
    indexed.eq(lengths.iter().map(|(n, l)| (n.as_str(), *l as u64)))
}

fn stream_lengths(file: &GenomeFile) -> Result<Vec<(String, usize)>> {
    FastaReader::new(file.text()?, &file.path).lengths()
}
