//! A streaming FASTA parser that encodes as it reads and reports problems with the file,
//! record and line: no records, duplicate names, empty sequences, sequence before a header,
//! characters that are not nucleotides. CRLF line ends and lines of any width are accepted.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::encode::{ENCODE, EncodedSeq};
use crate::{Error, Result};

/// One FASTA record. `seq` is `None` when the caller asked to skip its bases.
#[derive(Debug)]
pub struct FastaRecord {
    pub name: String,
    pub len: usize,
    pub seq: Option<EncodedSeq>,
    /// 1-based line of the header.
    pub line: usize,
}

/// Reads records one at a time from any `BufRead`.
pub struct FastaReader<R> {
    reader: R,
    path: PathBuf,
    line: usize,
    buf: Vec<u8>,
    /// Header read ahead of the record it starts: (name, line).
    next_header: Option<(String, usize)>,
    seen: HashMap<String, usize>,
    at_eof: bool,
}

impl<R: BufRead> FastaReader<R> {
    /// `path` is only used in messages.
    pub fn new(reader: R, path: &Path) -> Self {
        FastaReader {
            reader,
            path: path.to_path_buf(),
            line: 0,
            buf: Vec::with_capacity(256),
            next_header: None,
            seen: HashMap::new(),
            at_eof: false,
        }
    }

    /// The next record with its bases encoded.
    pub fn next_record(&mut self) -> Result<Option<FastaRecord>> {
        self.next_record_with(|_| true)
    }

    /// The next record; its bases are encoded only when `keep(name)` says so.
    pub fn next_record_with(&mut self, keep: impl Fn(&str) -> bool) -> Result<Option<FastaRecord>> {
        let Some((name, header_line)) = self.take_header()? else {
            return Ok(None);
        };
        self.check_unseen(&name, header_line)?;
        let keep = keep(&name);
        let (len, codes) = self.read_bases(&name, keep)?;
        if len == 0 {
            return Err(Error::parse(
                &self.path,
                header_line,
                format!("record '{name}' has no sequence"),
            ));
        }
        Ok(Some(FastaRecord {
            name,
            len,
            seq: keep.then(|| EncodedSeq::from_codes(codes)),
            line: header_line,
        }))
    }

    /// The next record's name and header line: the one read last, or the file's first; `None`
    /// at the end.
    fn take_header(&mut self) -> Result<Option<(String, usize)>> {
        match self.next_header.take() {
            Some(h) => Ok(Some(h)),
            None => self.read_first_header(),
        }
    }

    /// Notes record `name` (its header on line `header_line`), an error when it came before.
    fn check_unseen(&mut self, name: &str, header_line: usize) -> Result<()> {
        if let Some(first) = self.seen.insert(name.to_string(), header_line) {
            return Err(Error::parse(
                &self.path,
                header_line,
                format!("duplicate record name '{name}' (first seen on line {first})"),
            ));
        }
        Ok(())
    }

    /// The bases of record `name` up to the next header (kept there) or the end: their
    /// number, and their codes when `keep`. `;` comment lines are skipped.
    fn read_bases(&mut self, name: &str, keep: bool) -> Result<(usize, Vec<u8>)> {
        let mut codes = Vec::new();
        let mut len = 0usize;
        while self.read_line()? {
            let line = trim_line(&self.buf);
            if line.first() == Some(&b'>') {
                self.next_header = Some((self.header_name(line)?, self.line));
                break;
            }
            if line.first() == Some(&b';') {
                continue;
            }
            self.check_letters(name, line)?;
            len += line.len();
            if keep {
                codes.extend(line.iter().map(|&b| ENCODE[b as usize]));
            }
        }
        Ok((len, codes))
    }

    /// Checks that every letter of `line` (the line just read, of record `name`) is a
    /// nucleotide letter.
    #[inline]
    fn check_letters(&self, name: &str, line: &[u8]) -> Result<()> {
        if let Some(col) = line.iter().position(|&b| ENCODE[b as usize] == 0xff) {
            return Err(Error::parse(
                &self.path,
                self.line,
                format!(
                    "record '{name}': '{}' (column {}) is not a nucleotide letter",
                    line[col].escape_ascii(),
                    col + 1
                ),
            ));
        }
        Ok(())
    }

    /// Reads every remaining record, keeping only names and lengths.
    pub fn lengths(mut self) -> Result<Vec<(String, usize)>> {
        let mut out = Vec::new();
        while let Some(rec) = self.next_record_with(|_| false)? {
            out.push((rec.name, rec.len));
        }
        if out.is_empty() {
            return Err(Error::invalid(
                &self.path,
                "no FASTA records (no line starts with '>')",
            ));
        }
        Ok(out)
    }

    fn read_first_header(&mut self) -> Result<Option<(String, usize)>> {
        while self.read_line()? {
            let line = trim_line(&self.buf);
            if line.is_empty() || line.first() == Some(&b';') {
                continue;
            }
            if line.first() == Some(&b'>') {
                return Ok(Some((self.header_name(line)?, self.line)));
            }
            return Err(Error::parse(
                &self.path,
                self.line,
                "sequence before the first '>' header: not a FASTA file?",
            ));
        }
        Ok(None)
    }

    fn header_name(&self, line: &[u8]) -> Result<String> {
        let name = line[1..]
            .split(|b| b.is_ascii_whitespace())
            .next()
            .unwrap_or_default();
        if name.is_empty() {
            return Err(Error::parse(
                &self.path,
                self.line,
                "header '>' without a name",
            ));
        }
        String::from_utf8(name.to_vec())
            .map_err(|_| Error::parse(&self.path, self.line, "record name is not UTF-8"))
    }

    /// Reads one line into `buf`; false at end of file.
    fn read_line(&mut self) -> Result<bool> {
        if self.at_eof {
            return Ok(false);
        }
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::io(&self.path, e))?;
        if n == 0 {
            self.at_eof = true;
            return Ok(false);
        }
        self.line += 1;
        Ok(true)
    }
}

/// Strips the line end (`\n` or `\r\n`) and trailing blanks.
fn trim_line(buf: &[u8]) -> &[u8] {
    let mut end = buf.len();
    while end > 0 && matches!(buf[end - 1], b'\n' | b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    &buf[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<(String, String)>> {
        let mut r = FastaReader::new(text.as_bytes(), Path::new("t.fa"));
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push((
                rec.name,
                String::from_utf8(rec.seq.unwrap().to_ascii()).unwrap(),
            ));
        }
        Ok(out)
    }

    #[test]
    fn widths_crlf_and_case() {
        let recs = parse(">a desc\r\nACG\r\nTTTTT\r\nA\r\n>b\nacgN\n\n").unwrap();
        assert_eq!(recs[0], ("a".into(), "ACGTTTTTA".into()));
        assert_eq!(recs[1], ("b".into(), "acgN".into()));
    }

    #[test]
    fn errors_name_line() {
        let e = parse(">a\nACGT\n>a\nAC\n").unwrap_err().to_string();
        assert!(
            e.contains("t.fa:3") && e.contains("duplicate") && e.contains("line 1"),
            "{e}"
        );
        let e = parse(">a\n>b\nAC\n").unwrap_err().to_string();
        assert!(e.contains("t.fa:1") && e.contains("no sequence"), "{e}");
        let e = parse(">a\nAC\nA-C\n").unwrap_err().to_string();
        assert!(e.contains("t.fa:3") && e.contains("column 2"), "{e}");
        let e = parse("ACGT\n").unwrap_err().to_string();
        assert!(
            e.contains("t.fa:1") && e.contains("before the first"),
            "{e}"
        );
        let e = FastaReader::new("".as_bytes(), Path::new("t.fa"))
            .lengths()
            .unwrap_err();
        assert!(e.to_string().contains("no FASTA records"), "{e}");
    }
}
