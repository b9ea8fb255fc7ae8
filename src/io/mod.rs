//! File plumbing shared by every tool: opening (plain or gzip/bgzip) inputs and writing
//! outputs atomically, so a failed run never leaves a half-written file behind.

mod atomic;
pub mod parquet;
pub mod stdio;

pub use atomic::{OutputFile, TempOutput};
pub use stdio::{input_path, is_stdio, refuse_stdout};

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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
    Ok(Compression::from_magic(&read_head(path)?))
}

/// The first bytes of `path` (up to 16; fewer in a shorter file): enough for any magic
/// number the tools tell formats by.
pub fn read_head(path: &Path) -> Result<Vec<u8>> {
    let mut head = vec![0u8; 16];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    head.truncate(got);
    Ok(head)
}

impl Compression {
    /// The compression that a file starting with `head` has.
    pub fn from_magic(head: &[u8]) -> Compression {
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
}

/// `path` with `suffix` appended to its file name (`g.fa` + `.fai` = `g.fa.fai`), as htslib
/// names index files.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Index files that tools read or build beside an input.
const INDEX_SUFFIXES: [&str; 4] = [".fai", ".gzi", ".tbi", ".csi"];

/// Refuses to run when an output would replace an input or one of its index files (`-o
/// genome.fa`, `-o calls.vcf.gz.tbi`): the same path after resolving links and `..`, or the
/// same file under another name (a hard link).
pub fn refuse_overwrite<'a>(
    inputs: impl IntoIterator<Item = &'a PathBuf>,
    outputs: impl IntoIterator<Item = &'a PathBuf>,
) -> Result<()> {
    let inputs: Vec<&Path> = inputs.into_iter().map(PathBuf::as_path).collect();
    for out in outputs {
        let Some(out_id) = FileId::of(out) else {
            continue;
        };
        for &input in &inputs {
            if let Some(what) = same_file(&out_id, input) {
                return Err(Error::config(
                    "-o",
                    format!(
                        "output {} {what} {}: choose another output path",
                        out.display(),
                        input.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// How the file `out_id` is `input` or one of its indexes, if it is.
fn same_file(out_id: &FileId, input: &Path) -> Option<String> {
    let candidates = std::iter::once(input.to_path_buf())
        .chain(INDEX_SUFFIXES.iter().map(|s| with_suffix(input, s)));
    for candidate in candidates {
        if FileId::of(&candidate).as_ref() == Some(out_id) {
            return Some(if candidate.as_path() == input {
                "is the input".to_string()
            } else {
                format!("is {}, an index of the input", candidate.display())
            });
        }
    }
    None
}

/// What makes two paths one file: the resolved path, or the device and inode of an existing file.
#[derive(Debug, PartialEq, Eq)]
enum FileId {
    Inode(u64, u64),
    Path(PathBuf),
}

impl FileId {
    fn of(path: &Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(path) {
            return Some(FileId::Inode(m.dev(), m.ino()));
        }
        // Not there yet: its folder resolved, and its name.
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Some(FileId::Path(
            parent.canonicalize().ok()?.join(path.file_name()?),
        ))
    }
}

/// Turns htslib's own messages on stderr off: the library reports errors itself, naming the
/// file and record.
pub fn quiet_htslib() {
    unsafe { rust_htslib::htslib::hts_set_log_level(rust_htslib::htslib::htsLogLevel_HTS_LOG_OFF) };
}

/// Opens `path` for buffered reading, decompressing gzip and bgzip transparently.
pub fn open_reader(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    open_decoded(path, sniff_compression(path)?)
}

/// Opens `path`, whose compression the caller has told already, for buffered reading.
pub fn open_decoded(path: &Path, compression: Compression) -> Result<Box<dyn BufRead + Send>> {
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
        assert_eq!(
            Compression::from_magic(b">chr1\nACGT\n"),
            Compression::Plain
        );
        assert_eq!(
            Compression::from_magic(&[0x1f, 0x8b, 8, 0, 0, 0]),
            Compression::Gzip
        );
        let bgzf = [
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ];
        assert_eq!(Compression::from_magic(&bgzf), Compression::Bgzf);
        assert_eq!(Compression::from_magic(&[]), Compression::Plain);
    }
}
