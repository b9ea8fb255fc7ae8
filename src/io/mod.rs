//! File plumbing shared by every tool: opening (plain or gzip/bgzip) inputs and writing
//! outputs atomically, so a failed run never leaves a half-written file behind.

mod atomic;
pub mod parquet;

pub use atomic::{OutputFile, TempOutput};

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::{Error, Result};

/// Compression of an input file, told from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    /// gzip that is not block-compressed: can only be streamed.
    Gzip,
    /// BGZF (bgzip): gzip members with a `BC` extra field; can be indexed.
    Bgzf,
}

/// Tells the compression of `path` from its magic bytes.
pub fn sniff_compression(path: &Path) -> Result<Compression> {
    let mut head = [0u8; 16];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(classify_magic(&head[..got]))
}

fn classify_magic(head: &[u8]) -> Compression {
    if head.len() < 2 || head[0] != 0x1f || head[1] != 0x8b {
        return Compression::Plain;
    }
    // FEXTRA flag, extra subfield id 'B' 'C' (SAM spec, BGZF section).
    let is_bgzf = head.len() >= 14 && head[3] & 4 != 0 && head[12] == b'B' && head[13] == b'C';
    if is_bgzf {
        Compression::Bgzf
    } else {
        Compression::Gzip
    }
}

/// Opens `path` for buffered reading, decompressing gzip and bgzip transparently.
pub fn open_reader(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let compression = sniff_compression(path)?;
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(match compression {
        Compression::Plain => Box::new(BufReader::with_capacity(1 << 16, file)),
        _ => Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file)),
        )),
    })
}

/// The file name of `path` without folders, for metadata and messages.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(classify_magic(b">chr1\nACGT\n"), Compression::Plain);
        assert_eq!(classify_magic(&[0x1f, 0x8b, 8, 0, 0, 0]), Compression::Gzip);
        let bgzf = [
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ];
        assert_eq!(classify_magic(&bgzf), Compression::Bgzf);
        assert_eq!(classify_magic(&[]), Compression::Plain);
    }
}
