//! Is a `.fai` (and `.gzi`) index still the index of its FASTA? An index made before the file
//! was edited, re-wrapped or appended to makes faidx read wrong bases without a word, so
//! before trusting one we compare it with the file: its names and lengths parse, every
//! contig's header line ends exactly where its sequence starts and names it, the first and the
//! last line of every contig have the index's layout, nothing but line ends lie between one
//! contig's last base and the next header, and the file ends after the last contig. The reads
//! go forward through the file, a few small ones per contig, so checking is linear in contigs.

use std::path::Path;

use super::encode::ENCODE;
use super::format::GenomeFile;
use super::raw::RawReader;

/// Longest header zone (blank lines, `>name description`) accepted between two contigs.
const MAX_HEADER: u64 = 1 << 20;

/// One line of a `.fai`: where a contig's bases lie in the (uncompressed) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaiEntry {
    pub name: String,
    pub len: u64,
    /// Offset of the first base.
    pub offset: u64,
    pub line_bases: u64,
    /// Bytes per full line, line end included.
    pub line_width: u64,
}

/// Why an index does not describe its file, in words for a warning or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Mismatch {
    fn from(s: String) -> Self {
        Mismatch(s)
    }
}

impl From<&str> for Mismatch {
    fn from(s: &str) -> Self {
        Mismatch(s.to_string())
    }
}

/// What the index on disk is worth.
#[derive(Debug)]
pub enum IndexState {
    /// No `.fai` (or, for bgzip, no `.gzi`).
    Missing,
    /// It describes the file as it is.
    Fresh(Vec<FaiEntry>),
    /// It does not; the reason says how.
    Stale(Mismatch),
    /// Its layout matches the file, but it is older than the file (it may predate an edit
    /// the layout does not show, in a line that is not checked).
    Older(Vec<FaiEntry>),
}

/// Compares the index of `file` with the file.
pub fn check(file: &GenomeFile) -> IndexState {
    let (path, paths) = (file.path.as_path(), file.index_paths());
    if paths.iter().any(|p| !p.exists()) {
        return IndexState::Missing;
    }
    let entries = match read_fai(paths[0]) {
        Ok(e) => e,
        Err(reason) => return IndexState::Stale(reason),
    };
    let Ok(compression) = file.fasta_compression() else {
        return IndexState::Missing;
    };
    let Some(mut raw) = RawReader::open(path, compression) else {
        return IndexState::Stale(unreadable(path, &paths));
    };
    if let Err(reason) = check_layout(&mut raw, &entries) {
        return IndexState::Stale(reason);
    }
    if older_than(&paths, path) {
        IndexState::Older(entries)
    } else {
        IndexState::Fresh(entries)
    }
}

/// Why the FASTA at `path` cannot be read through the last of its index files `paths`.
fn unreadable(path: &Path, paths: &[&Path]) -> Mismatch {
    let index = paths
        .last()
        .map_or(String::new(), |p| p.display().to_string());
    format!("cannot read {} through {index}", path.display()).into()
}

/// The entries of the `.fai` at `path`.
fn read_fai(path: &Path) -> Result<Vec<FaiEntry>, Mismatch> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Mismatch(format!("cannot read {}: {e}", path.display())))?;
    parse_fai(&text)
}

/// Whether any index file was modified before the FASTA.
fn older_than(index: &[&Path], fasta: &Path) -> bool {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(fasta_time) = mtime(fasta) else {
        return false;
    };
    index
        .iter()
        .any(|p| mtime(p).is_some_and(|t| t < fasta_time))
}

/// Parses `.fai` text: five tab-separated columns per line (a FASTQ index has six).
pub fn parse_fai(text: &str) -> Result<Vec<FaiEntry>, Mismatch> {
    let lines = text.lines().enumerate();
    let out = lines
        .map(|(i, line)| {
            FaiEntry::parse(line)
                .map_err(|what| Mismatch(format!("line {} of the .fai: {what}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if out.is_empty() {
        return Err("the .fai is empty".into());
    }
    Ok(out)
}

impl FaiEntry {
    /// A line of a `.fai`; what is wrong with it, when it is bad.
    fn parse(line: &str) -> Result<FaiEntry, Mismatch> {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 5 {
            return Err(format!("{} columns, a FASTA index has 5", cols.len()).into());
        }
        let num = |j: usize| {
            (cols[j].parse::<u64>()).map_err(|_| Mismatch(format!("'{}' is not a number", cols[j])))
        };
        let e = FaiEntry {
            name: cols[0].to_string(),
            len: num(1)?,
            offset: num(2)?,
            line_bases: num(3)?,
            line_width: num(4)?,
        };
        if e.name.is_empty() || e.len == 0 || e.line_bases == 0 {
            return Err("empty name, length or line length".into());
        }
        let line_end = e.line_width - e.line_bases.min(e.line_width);
        if e.len > e.line_bases && !(1..=2).contains(&line_end) {
            return Err("line width is not line length plus a line end".into());
        }
        Ok(e)
    }
}

/// Checks every contig's header, first and last line, and the end of the file.
fn check_layout(raw: &mut RawReader, entries: &[FaiEntry]) -> Result<(), Mismatch> {
    // Where the previous contig's last base ended: the next header zone starts there.
    let mut prev_end = 0u64;
    for e in entries {
        let ctx = |what: String| Mismatch(format!("contig '{}': {what}", e.name));
        if e.offset < prev_end || e.offset - prev_end > MAX_HEADER {
            return Err(ctx(format!("offset {} is out of place", e.offset)));
        }
        let zone = read(raw, prev_end, (e.offset - prev_end) as usize)?;
        check_header_zone(&zone, &e.name, prev_end == 0).map_err(|w| ctx(w.0))?;
        let lines = e.len.div_ceil(e.line_bases);
        if lines > 1 {
            let first = read(raw, e.offset, e.line_width as usize)?;
            check_line(&first, e.line_bases as usize, true)
                .map_err(|w| ctx(format!("first line {w}")))?;
        }
        let last_start = e.offset + (lines - 1) * e.line_width;
        let last_len = e.len - (lines - 1) * e.line_bases;
        let last = read(raw, last_start, last_len as usize)?;
        check_line(&last, last_len as usize, false).map_err(|w| ctx(format!("last line {w}")))?;
        prev_end = last_start + last_len;
    }
    check_tail(raw, prev_end)
}

/// Checks what follows the last contig's bases at `end`: line ends, then the end of the file.
fn check_tail(raw: &mut RawReader, end: u64) -> Result<(), Mismatch> {
    let tail = read(raw, end, 256)?;
    if tail.iter().any(|b| !b.is_ascii_whitespace()) {
        let what = if tail.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>') {
            "a record the index does not list follows the last indexed contig"
        } else {
            "the last indexed contig is longer in the file than in the index"
        };
        return Err(what.into());
    }
    Ok(())
}

fn read(raw: &mut RawReader, offset: u64, len: usize) -> Result<Vec<u8>, Mismatch> {
    raw.read_at(offset, len)
        .ok_or_else(|| Mismatch(format!("cannot read {len} bytes at offset {offset}")))
}

/// The bytes from the end of one contig's bases to the start of the next one's: the rest of
/// the last line (its line end), blank lines, then `>name` (and a description) and a line end.
fn check_header_zone(zone: &[u8], name: &str, at_start: bool) -> Result<(), Mismatch> {
    let body = zone.trim_ascii_start();
    let starts_with_line_end = at_start || zone.first().is_some_and(|&b| b == b'\n' || b == b'\r');
    if !starts_with_line_end {
        return Err("the bases run on past the indexed length".into());
    }
    match body.first() {
        Some(b'>') if zone.ends_with(b"\n") => {}
        Some(&b) if !at_start && ENCODE[b as usize] != 0xff => {
            return Err("the bases run on past the indexed length".into());
        }
        _ => return Err("no header line right before its first base".into()),
    }
    let header = body[1..].trim_ascii_end();
    if header.contains(&b'\n') {
        return Err("sequence lines before its header line".into());
    }
    check_header_name(header, name)
}

/// Checks that `header` (after the `>`) names contig `name`.
fn check_header_name(header: &[u8], name: &str) -> Result<(), Mismatch> {
    let found = header
        .split(|b| b.is_ascii_whitespace())
        .next()
        .unwrap_or_default();
    if found != name.as_bytes() {
        let found = String::from_utf8_lossy(found);
        return Err(format!("the header there names '{found}'").into());
    }
    Ok(())
}

/// A line of `bases` nucleotide letters, followed by a line end when `full`.
fn check_line(line: &[u8], bases: usize, full: bool) -> Result<(), Mismatch> {
    let (seq, end) = line.split_at(bases.min(line.len()));
    if seq.len() < bases || seq.iter().any(|&b| ENCODE[b as usize] == 0xff) {
        return Err(format!("does not hold {bases} bases where the index says").into());
    }
    if full && end != b"\n" && end != b"\r\n" {
        return Err("does not end where the index says".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_fai_refuses_what_is_not_a_fasta_index() {
        let good = parse_fai("chr1\t120\t6\t50\t51\nchr2\t5\t135\t5\t6\n").unwrap();
        assert_eq!(
            good[1],
            FaiEntry {
                name: "chr2".into(),
                len: 5,
                offset: 135,
                line_bases: 5,
                line_width: 6
            }
        );
        for (text, needle) in [
            ("", "empty"),
            ("chr1\t120\t6\t50\t51\t60\n", "6 columns"),
            ("chr1\t12x\t6\t50\t51\n", "'12x'"),
            ("chr1\t120\t6\t0\t1\n", "line length"),
            ("chr1\t120\t6\t50\t55\n", "line end"),
        ] {
            let err = parse_fai(text).unwrap_err();
            assert!(err.0.contains(needle), "{text:?}: {err}");
        }
    }

    fn state(fasta: &str, fai: &str) -> IndexState {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.fa");
        std::fs::write(&p, fasta).unwrap();
        let file = GenomeFile::inspect(&p).unwrap();
        std::fs::write(&file.fai, fai).unwrap();
        check(&file)
    }

    #[test]
    fn layout_checks_against_the_file() {
        let fasta = ">a desc\nACGTA\nCG\n>b\r\nAC\r\n";
        let fai = "a\t7\t8\t5\t6\nb\t2\t21\t2\t4\n";
        assert!(matches!(state(fasta, fai), IndexState::Fresh(_)));
        let cases = [
            ("a\t7\t9\t5\t6\nb\t2\t21\t2\t4\n", "'a'"), // shifted by one
            ("a\t6\t8\t5\t6\nb\t2\t21\t2\t4\n", "run on past"), // one base short
            ("a\t8\t8\t5\t6\nb\t2\t21\t2\t4\n", "last line"), // one base long
            ("a\t7\t8\t5\t6\nc\t2\t21\t2\t4\n", "names 'b'"), // renamed
            ("a\t7\t8\t5\t6\n", "does not list"),       // appended
            ("a\t7\t8\t6\t7\nb\t2\t21\t2\t4\n", "first line"), // re-wrapped
            ("b\t2\t21\t2\t4\na\t7\t8\t5\t6\n", "sequence lines before"), // out of order
        ];
        for (fai, needle) in cases {
            match state(fasta, fai) {
                IndexState::Stale(reason) => {
                    assert!(reason.0.contains(needle), "{fai:?}: {reason}")
                }
                other => panic!("{fai:?}: {other:?}"),
            }
        }
    }
}
