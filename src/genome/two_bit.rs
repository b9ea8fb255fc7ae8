//! UCSC `.2bit` genomes (<https://genome.ucsc.edu/FAQ/FAQformat.html#format7>), read with
//! the `twobit` crate: N blocks come as `N`, soft-masked blocks in lower case (`n` where
//! they overlap), as UCSC's `twoBitToFa` writes them. A tool reads any sequence without the
//! others ([`TwoBitReader`]); `prepare-genome` copies all of them as FASTA ([`to_fasta`]).

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use twobit::TwoBitFile;

use super::encode::EncodedSeq;
use crate::{Error, Result};

/// An open `.2bit` file: its index of sequences read, any sequence read on demand.
pub struct TwoBitReader {
    file: TwoBitFile<BufReader<File>>,
    path: PathBuf,
}

impl TwoBitReader {
    pub fn open(path: &Path) -> Result<TwoBitReader> {
        let file = TwoBitFile::open(path)
            .map_err(|e| bad(path, e))?
            .enable_softmask(true);
        Ok(TwoBitReader {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Every sequence's name and length, in the file's order.
    pub fn lengths(&self) -> Vec<(String, usize)> {
        self.file
            .chrom_names()
            .into_iter()
            .zip(self.file.chrom_sizes())
            .collect()
    }

    /// The bases of sequence `name` (of `len` bases) from `start`, at most [`CHUNK`] of them,
    /// as letters.
    fn read_chunk(&mut self, name: &str, start: usize, len: usize) -> Result<String> {
        self.file
            .read_sequence(name, start..len.min(start + CHUNK))
            .map_err(|e| bad(&self.path, e))
    }

    /// The whole of sequence `name`, encoded.
    pub fn read(&mut self, name: &str) -> Result<EncodedSeq> {
        let seq = self
            .file
            .read_sequence(name, ..)
            .map_err(|e| bad(&self.path, e))?;
        EncodedSeq::from_ascii(seq.as_bytes()).map_err(|i| {
            Error::invalid(
                &self.path,
                format!("sequence '{name}', base {}: not a nucleotide", i + 1),
            )
        })
    }
}

fn bad(path: &Path, e: twobit::Error) -> Error {
    Error::wrong_kind(path, format!("not a readable .2bit file: {e}"))
}

/// Bases read from the file at a time: a multiple of every line width used.
const CHUNK: usize = 60 * 100_000;

/// Writes every sequence of the `.2bit` at `src` to `w` as FASTA with `line`-base lines, in
/// the file's order. `on_bases` is told how many bases were written so far; errors writing
/// are `dest`'s.
pub fn to_fasta(
    src: &Path,
    w: &mut impl Write,
    line: usize,
    dest: &Path,
    mut on_bases: impl FnMut(u64),
) -> Result<()> {
    let mut tb = TwoBitReader::open(src)?;
    let out = |e: std::io::Error| Error::io(dest, e);
    let mut done = 0u64;
    for (name, len) in tb.lengths() {
        check_nonempty(src, &name, len)?;
        writeln!(w, ">{name}").map_err(out)?;
        for start in (0..len).step_by(CHUNK) {
            let seq = tb.read_chunk(&name, start, len)?;
            write_lines(w, seq.as_bytes(), line).map_err(out)?;
            done += seq.len() as u64;
            on_bases(done);
        }
    }
    Ok(())
}

/// Refuses record `name` of `len` bases when it has none.
fn check_nonempty(src: &Path, name: &str, len: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::invalid(
            src,
            format!("record '{name}' has no sequence"),
        ));
    }
    Ok(())
}

/// `bases` in lines of `line` letters.
fn write_lines(w: &mut impl Write, bases: &[u8], line: usize) -> std::io::Result<()> {
    for l in bases.chunks(line) {
        w.write_all(l)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A .2bit assembled by hand from the format's description: one sequence `s`,
    /// `TCAGnNac` (an N block over `nN`, mask blocks over `n` and `ac`), little-endian.
    fn hand_made() -> Vec<u8> {
        let words = |w: &[u32]| w.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
        let mut f = words(&[0x1A41_2743, 0, 1, 0]);
        f.extend([1, b's']);
        f.extend(words(&[22]));
        f.extend(words(&[8, 1, 4, 2, 2, 4, 6, 1, 2, 0]));
        // T C A G = 0 1 2 3; N N A C packed as T T A C = 0 0 2 1
        f.extend([0b0001_1011, 0b0000_1001]);
        f
    }

    #[test]
    fn n_blocks_and_soft_masking_come_back_as_letters_copied_or_read_directly() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("g.2bit");
        std::fs::write(&src, hand_made()).unwrap();
        let mut out = Vec::new();
        to_fasta(&src, &mut out, 3, Path::new("out.fa"), |_| {}).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), ">s\nTCA\nGnN\nac\n");

        let dest = dir.path().join("g.fa.gz");
        crate::genome::prepare::to_bgzip(&src, &dest, 1, |_| {}).unwrap();
        let genome = crate::genome::Genome::open(&dest).unwrap();
        assert_eq!(genome.access(), crate::genome::Access::Indexed);
        let want = crate::genome::EncodedSeq::from_ascii(b"TCAGnNac").unwrap();
        assert_eq!(genome.fetch("s").unwrap(), want);
        // read directly, as every tool but prepare-genome does
        let direct = crate::genome::Genome::open(&src).unwrap();
        assert_eq!(direct.access(), crate::genome::Access::TwoBit);
        assert_eq!(direct.contig_lengths(), vec![("s".to_string(), 8)]);
        assert_eq!(direct.fetch("s").unwrap(), want);
        let mut seen = Vec::new();
        direct
            .visit_all(|c, seq| {
                seen.push((c.name.clone(), seq));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, vec![("s".to_string(), want)]);
        assert!(!dir.path().join("g.2bit.fai").exists());
    }
}
