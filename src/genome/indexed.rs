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
    let layout = Layout::of(e);
    let per_read = (READ / layout.lw).max(1);
    let stale = |what: String| stale_error(path, &e.name, what);
    let mut codes = Vec::with_capacity(e.len as usize);
    let mut line = 0;
    while line < layout.lines {
        let lines = line..(line + per_read).min(layout.lines);
        let want = layout.bytes(&lines);
        let start = e.offset + line * layout.lw;
        let buf = raw
            .read_at(start, want as usize)
            .filter(|b| b.len() as u64 == want)
            .ok_or_else(|| stale(format!("cannot read {want} bytes at offset {start}")))?;
        layout.decode(&buf, lines.clone(), &mut codes, &stale)?;
        line = lines.end;
    }
    Ok(EncodedSeq::from_codes(codes))
}

/// The error for contig `name` whose bases are not where its `.fai` says: `what` is wrong.
fn stale_error(path: &Path, name: &str, what: String) -> Error {
    Error::invalid(
        path,
        format!(
            "contig '{name}': {what} (the FASTA changed after its .fai was made? delete the .fai to rebuild it)"
        ),
    )
}

/// Appends the codes of the letters `seq` (the bases from 0-based `base` on) to `codes`, an
/// error at the first that is not a nucleotide letter.
#[inline]
fn encode_checked(
    seq: &[u8],
    base: u64,
    codes: &mut Vec<u8>,
    stale: &dyn Fn(String) -> Error,
) -> Result<()> {
    let from = codes.len();
    codes.extend(seq.iter().map(|&b| ENCODE[b as usize]));
    if let Some(j) = codes[from..].iter().position(|&c| c == 0xff) {
        let letter = seq[j].escape_ascii();
        return Err(stale(format!(
            "base {}: '{letter}' is not a nucleotide letter",
            base as usize + j + 1
        )));
    }
    Ok(())
}

/// How a contig's bases lie in lines: bases per line, bytes per full line, lines, bases in
/// the last line.
struct Layout {
    lb: u64,
    lw: u64,
    lines: u64,
    last_len: u64,
}

impl Layout {
    fn of(e: &FaiEntry) -> Layout {
        let (lb, lw) = (e.line_bases, e.line_width.max(e.line_bases));
        let lines = e.len.div_ceil(lb);
        let last_len = e.len - (lines - 1) * lb;
        Layout {
            lb,
            lw,
            lines,
            last_len,
        }
    }

    /// Bytes from the start of line `lines.start` to the end of the bases of the line before
    /// `lines.end` (the last line's end left out).
    fn bytes(&self, lines: &std::ops::Range<u64>) -> u64 {
        let n = lines.end - lines.start;
        if lines.end == self.lines {
            (n - 1) * self.lw + self.last_len
        } else {
            n * self.lw
        }
    }

    /// Appends the codes of `lines`, read into `buf`, to `codes`: each line of its length and
    /// ending where the index says, every letter a nucleotide.
    fn decode(
        &self,
        buf: &[u8],
        lines: std::ops::Range<u64>,
        codes: &mut Vec<u8>,
        stale: &dyn Fn(String) -> Error,
    ) -> Result<()> {
        for (line, chunk) in lines.zip(buf.chunks(self.lw as usize)) {
            self.decode_line(line, chunk, codes, stale)?;
        }
        Ok(())
    }

    /// Appends the codes of line `line`, read into `chunk`, to `codes`: the line of its
    /// length and ending where the index says, every letter a nucleotide.
    #[inline]
    fn decode_line(
        &self,
        line: u64,
        chunk: &[u8],
        codes: &mut Vec<u8>,
        stale: &dyn Fn(String) -> Error,
    ) -> Result<()> {
        let base = line * self.lb;
        let is_last = line + 1 == self.lines;
        let bases = if is_last { self.last_len } else { self.lb } as usize;
        let (seq, end) = chunk.split_at(bases.min(chunk.len()));
        if !is_last && end != b"\n" && end != b"\r\n" {
            return Err(stale(format!(
                "the line holding base {} is not {} bases long",
                base + 1,
                self.lb
            )));
        }
        encode_checked(seq, base, codes, stale)
    }
}
