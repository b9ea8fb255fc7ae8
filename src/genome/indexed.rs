//! Reading a contig at the place its (checked) `.fai` gives: whole runs of lines in one read
//! each, line ends stripped and checked, bases encoded into the final buffer. Much faster
//! than htslib's `faidx_fetch_seq`, which copies a byte at a time, and every line end is
//! checked on the way, so a FASTA changed after indexing in a line the index check did not
//! look at is still caught rather than read shifted.

use std::path::Path;

use super::encode::{ENCODE, EncodedSeq};
use super::fai_check::FaiEntry;
use super::raw::RawReader;
use crate::{Error, Result};

/// Bytes read at a time (whole lines).
const READ: u64 = 1 << 24;

/// The bases of the contig `e` describes.
pub fn read_contig(raw: &mut RawReader, e: &FaiEntry, path: &Path) -> Result<EncodedSeq> {
    let (lb, lw) = (e.line_bases, e.line_width.max(e.line_bases));
    let lines = e.len.div_ceil(lb);
    let last_len = e.len - (lines - 1) * lb;
    let per_read = (READ / lw).max(1);
    let mut codes = Vec::with_capacity(e.len as usize);
    let mut line = 0;
    while line < lines {
        let n = per_read.min(lines - line);
        let ends_contig = line + n == lines;
        let want = if ends_contig {
            (n - 1) * lw + last_len
        } else {
            n * lw
        };
        let start = e.offset + line * lw;
        let stale = |what: String| {
            Error::invalid(
                path,
                format!(
                    "contig '{}': {what} (the FASTA changed after its .fai was made? delete the .fai to rebuild it)",
                    e.name
                ),
            )
        };
        let buf = raw
            .read_at(start, want as usize)
            .filter(|b| b.len() as u64 == want)
            .ok_or_else(|| stale(format!("cannot read {want} bytes at offset {start}")))?;
        for (i, chunk) in buf.chunks(lw as usize).enumerate() {
            let base = (line + i as u64) * lb;
            let is_last = ends_contig && i as u64 == n - 1;
            let bases = if is_last { last_len } else { lb } as usize;
            let (seq, end) = chunk.split_at(bases.min(chunk.len()));
            if !is_last && end != b"\n" && end != b"\r\n" {
                return Err(stale(format!(
                    "the line holding base {} is not {lb} bases long",
                    base + 1
                )));
            }
            let from = codes.len();
            codes.extend(seq.iter().map(|&b| ENCODE[b as usize]));
            if let Some(j) = codes[from..].iter().position(|&c| c == 0xff) {
                let letter = seq[j].escape_ascii();
                return Err(stale(format!(
                    "base {}: '{letter}' is not a nucleotide letter",
                    base as usize + j + 1
                )));
            }
        }
        line += n;
    }
    Ok(EncodedSeq::from_codes(codes))
}
