//! What a genome file is, told once from its first bytes: FASTA (plain, gzip or bgzip) or
//! UCSC `.2bit`, and where its faidx index files lie (or would lie). Every later step of
//! opening a genome (index checks, index building, reading) works from this [`GenomeFile`].

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::io::{Compression, open_decoded, quiet_htslib, read_head, with_suffix};
use crate::{Error, Result};

/// The 2bit signature, as a little-endian file stores it.
const TWOBIT_LE: [u8; 4] = [0x43, 0x27, 0x41, 0x1A];
/// The same signature from a big-endian machine.
const TWOBIT_BE: [u8; 4] = [0x1A, 0x41, 0x27, 0x43];

/// The kind of genome file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// FASTA, plain or compressed.
    Fasta(Compression),
    /// UCSC `.2bit` (either byte order).
    TwoBit,
}

impl Format {
    /// The format of a file that starts with `head`.
    pub fn from_magic(head: &[u8]) -> Format {
        match head.get(..4) {
            Some(m) if m == TWOBIT_LE || m == TWOBIT_BE => Format::TwoBit,
            _ => Format::Fasta(Compression::from_magic(head)),
        }
    }
}

/// A genome file on disk: its format and the paths of its faidx index.
#[derive(Debug, Clone)]
pub struct GenomeFile {
    pub path: PathBuf,
    pub format: Format,
    /// `<path>.fai`.
    pub fai: PathBuf,
    /// `<path>.gzi` (used for bgzip only).
    pub gzi: PathBuf,
}

impl GenomeFile {
    /// Reads the first bytes of `path` to tell its format.
    pub fn inspect(path: &Path) -> Result<GenomeFile> {
        // htslib's own messages would come before, and say less than, ours.
        quiet_htslib();
        Ok(GenomeFile {
            path: path.to_path_buf(),
            format: Format::from_magic(&read_head(path)?),
            fai: with_suffix(path, ".fai"),
            gzi: with_suffix(path, ".gzi"),
        })
    }

    /// The compression of a FASTA; a `.2bit` file, which is no FASTA text, is refused.
    pub fn fasta_compression(&self) -> Result<Compression> {
        match self.format {
            Format::Fasta(c) => Ok(c),
            Format::TwoBit => Err(Error::wrong_kind(
                &self.path,
                "a UCSC .2bit genome, not FASTA text (prepare-genome converts it to FASTA)",
            )),
        }
    }

    /// The index files htslib uses for this FASTA: the `.fai`, and the `.gzi` for bgzip.
    pub fn index_paths(&self) -> Vec<&Path> {
        let mut out = vec![self.fai.as_path()];
        if self.format == Format::Fasta(Compression::Bgzf) {
            out.push(&self.gzi);
        }
        out
    }

    /// The FASTA text from its start, decompressed.
    pub fn text(&self) -> Result<Box<dyn BufRead + Send>> {
        open_decoded(&self.path, self.fasta_compression()?)
    }

    /// Whether files can be created beside the genome (for its index).
    pub fn folder_writable(&self) -> bool {
        let mut probe = self.path.clone().into_os_string();
        probe.push(format!(".probe{}", std::process::id()));
        let probe = PathBuf::from(probe);
        if probe.exists() {
            return false;
        }
        let ok = std::fs::File::create(&probe).is_ok();
        let _ = std::fs::remove_file(&probe);
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_tell_twobit_in_either_byte_order_from_fasta() {
        let le = [0x43, 0x27, 0x41, 0x1A, 0, 0, 0, 0];
        let be = [0x1A, 0x41, 0x27, 0x43, 0, 0, 0, 0];
        assert_eq!(Format::from_magic(&le), Format::TwoBit);
        assert_eq!(Format::from_magic(&be), Format::TwoBit);
        assert_eq!(
            Format::from_magic(b">chr1\nACGT\n"),
            Format::Fasta(Compression::Plain)
        );
        assert_eq!(
            Format::from_magic(&[0x1f, 0x8b, 8, 0]),
            Format::Fasta(Compression::Gzip)
        );
        assert_eq!(
            Format::from_magic(&le[..3]),
            Format::Fasta(Compression::Plain)
        );
    }
}
