//! Genome access: FASTA plain, gzip or bgzip, or UCSC `.2bit`. Plain and bgzip files are
//! read through a faidx index (built when missing and the folder is writable), `.2bit`
//! through its own index; anything else is streamed.
//! Bases come as [`EncodedSeq`] (one byte per base, unknown and soft-mask kept apart).
//!
//! Opening is this module's job from end to end: [`format`] tells the file's format from
//! its first bytes (FASTA, gzip, bgzip, UCSC `.2bit`) and names its index files, `open`
//! checks, builds or refuses the index and decides how bases are read; `crate::io` is only
//! asked for the first bytes and, when a file is streamed, a decompressing reader.

pub mod encode;
pub mod fai_check;
mod faidx;
pub mod fasta;
pub mod format;
mod indexed;
mod open;
pub mod prepare;
mod raw;
mod two_bit;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::{Error, Result};
pub use encode::EncodedSeq;
use fai_check::FaiEntry;
use fasta::FastaReader;
pub use format::{Format, GenomeFile};
use raw::RawReader;
use two_bit::TwoBitReader;

/// A named sequence of the genome and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contig {
    pub name: String,
    pub len: usize,
}

/// How bases are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Through htslib faidx: any contig is read without decompressing the others.
    Indexed,
    /// Streamed from the start of the file (gzip, ragged lines, no writable index).
    Streamed,
    /// From a UCSC `.2bit`, one sequence at a time through the file's own index.
    TwoBit,
}

/// An opened genome: its contigs and the way to read them.
#[derive(Debug, Clone)]
pub struct Genome {
    file: GenomeFile,
    contigs: Vec<Contig>,
    index: HashMap<String, usize>,
    access: Access,
    /// Where each contig's bases lie (indexed access only).
    layout: Vec<FaiEntry>,
}

/// The contigs (name, length) in order and each name's place; every contig has bases and a
/// name of its own.
fn contig_table(
    path: &Path,
    lengths: Vec<(String, usize)>,
) -> Result<(Vec<Contig>, HashMap<String, usize>)> {
    let mut index = HashMap::new();
    let mut contigs = Vec::with_capacity(lengths.len());
    for (i, (name, len)) in lengths.into_iter().enumerate() {
        if len == 0 {
            return Err(Error::invalid(
                path,
                format!("record '{name}' has no sequence"),
            ));
        }
        if index.insert(name.clone(), i).is_some() {
            return Err(Error::invalid(
                path,
                format!("duplicate record name '{name}'"),
            ));
        }
        contigs.push(Contig { name, len });
    }
    Ok((contigs, index))
}

impl Genome {
    /// Opens a FASTA file. Plain and bgzip files are read through their faidx index once it
    /// is checked against the file ([`fai_check`]); a missing index is built when the folder
    /// is writable, a stale one rebuilt (or, in a read-only folder, refused), and without an
    /// index the file is streamed.
    /// A UCSC `.2bit` file is read directly (`prepare-genome` makes it the bgzip FASTA that
    /// the workflow's jobs read).
    pub fn open(path: &Path) -> Result<Genome> {
        let file = GenomeFile::inspect(path)?;
        let writable = file.folder_writable();
        Self::open_file(file, writable)
    }

    /// [`Genome::open`], told whether index files may be written beside `path`.
    #[cfg(test)]
    fn open_with(path: &Path, writable: bool) -> Result<Genome> {
        Self::open_file(GenomeFile::inspect(path)?, writable)
    }

    fn open_file(file: GenomeFile, writable: bool) -> Result<Genome> {
        let opened = open::open(&file, writable)?;
        let mut genome = Self::from_parts(file, opened.lengths, opened.access)?;
        genome.layout = opened.layout;
        Ok(genome)
    }

    fn from_parts(
        file: GenomeFile,
        lengths: Vec<(String, usize)>,
        access: Access,
    ) -> Result<Genome> {
        let path = file.path.as_path();
        if lengths.is_empty() {
            return Err(Error::invalid(path, "no sequences in the FASTA index"));
        }
        let (contigs, index) = contig_table(path, lengths)?;
        Ok(Genome {
            file,
            contigs,
            index,
            access,
            layout: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }

    pub fn access(&self) -> Access {
        self.access
    }

    /// Contigs in file order.
    pub fn contigs(&self) -> &[Contig] {
        &self.contigs
    }

    /// The contig called `name`, if the genome has it.
    pub fn contig(&self, name: &str) -> Option<&Contig> {
        self.index.get(name).map(|&i| &self.contigs[i])
    }

    /// Checks that every name is a contig of this genome; the error lists the ones it has.
    pub fn check_names<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
        what: &str,
    ) -> Result<()> {
        let missing: Vec<&str> = names
            .into_iter()
            .filter(|n| self.contig(n).is_none())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::config(
            what,
            format!(
                "{what} names chromosome(s) {} that {} lacks; it has: {}",
                missing.join(", "),
                self.path().display(),
                self.contig_list()
            ),
        ))
    }

    /// Every contig name, in file order.
    /// Every contig's name and length, in the file's order.
    pub fn contig_lengths(&self) -> Vec<(String, u64)> {
        self.contigs
            .iter()
            .map(|c| (c.name.clone(), c.len as u64))
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.contigs.iter().map(|c| c.name.clone()).collect()
    }

    /// The contig names, shortened for messages when there are many.
    pub fn contig_list(&self) -> String {
        let names: Vec<&str> = self.contigs.iter().map(|c| c.name.as_str()).collect();
        if names.len() <= 40 {
            names.join(", ")
        } else {
            format!("{}, ... ({} in all)", names[..40].join(", "), names.len())
        }
    }

    /// The whole of contig `name`, encoded.
    pub fn fetch(&self, name: &str) -> Result<EncodedSeq> {
        let contig = self.contig(name).ok_or_else(|| {
            Error::config(
                "--chrom",
                format!(
                    "{} has no contig '{name}'; it has: {}",
                    self.path().display(),
                    self.contig_list()
                ),
            )
        })?;
        match self.access {
            Access::Indexed => self.fetch_indexed(&mut self.open_raw()?, contig),
            Access::TwoBit => TwoBitReader::open(self.path())?.read(name),
            Access::Streamed => {
                let mut found = None;
                self.stream(&HashSet::from([name]), |_, seq| {
                    found = Some(seq);
                    Ok(())
                })?;
                found
                    .ok_or_else(|| Error::invalid(self.path(), format!("contig '{name}' vanished")))
            }
        }
    }

    /// Reads a contig at the place the index gives ([`indexed::read_contig`]).
    fn fetch_indexed(&self, raw: &mut RawReader, contig: &Contig) -> Result<EncodedSeq> {
        let i = self.index[&contig.name];
        indexed::read_contig(raw, &self.layout[i], self.path())
    }

    /// Calls `f` with each named contig, in file order, holding one contig in memory at a
    /// time. Nothing is visited for an empty list; a name listed twice is visited once.
    pub fn visit(
        &self,
        names: &[String],
        f: impl FnMut(&Contig, EncodedSeq) -> Result<()>,
    ) -> Result<()> {
        self.check_names(names.iter().map(String::as_str), "the request")?;
        let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
        match self.access {
            Access::Indexed => self.visit_indexed(&wanted, f),
            Access::Streamed => self.stream(&wanted, f),
            Access::TwoBit => self.visit_two_bit(&wanted, f),
        }
    }

    /// Calls `f` with every contig, in file order.
    pub fn visit_all(&self, f: impl FnMut(&Contig, EncodedSeq) -> Result<()>) -> Result<()> {
        let wanted: HashSet<&str> = self.contigs.iter().map(|c| c.name.as_str()).collect();
        match self.access {
            Access::Indexed => self.visit_indexed(&wanted, f),
            Access::Streamed => self.stream(&wanted, f),
            Access::TwoBit => self.visit_two_bit(&wanted, f),
        }
    }

    fn visit_indexed(
        &self,
        wanted: &HashSet<&str>,
        mut f: impl FnMut(&Contig, EncodedSeq) -> Result<()>,
    ) -> Result<()> {
        let mut raw = self.open_raw()?;
        for contig in &self.contigs {
            if wanted.contains(contig.name.as_str()) {
                f(contig, self.fetch_indexed(&mut raw, contig)?)?;
            }
        }
        Ok(())
    }

    fn visit_two_bit(
        &self,
        wanted: &HashSet<&str>,
        mut f: impl FnMut(&Contig, EncodedSeq) -> Result<()>,
    ) -> Result<()> {
        let mut reader = TwoBitReader::open(self.path())?;
        for contig in &self.contigs {
            if wanted.contains(contig.name.as_str()) {
                f(contig, reader.read(&contig.name)?)?;
            }
        }
        Ok(())
    }

    fn stream(
        &self,
        wanted: &HashSet<&str>,
        mut f: impl FnMut(&Contig, EncodedSeq) -> Result<()>,
    ) -> Result<()> {
        let mut reader = FastaReader::new(self.file.text()?, self.path());
        let mut left = wanted.len();
        while left > 0 {
            let Some(rec) = reader.next_record_with(|n| wanted.contains(n))? else {
                break;
            };
            if let Some(seq) = rec.seq {
                let Some(&i) = self.index.get(&rec.name) else {
                    return Err(Error::invalid(
                        self.path(),
                        format!("contig '{}' appeared while reading", rec.name),
                    ));
                };
                let contig = &self.contigs[i];
                f(contig, seq)?;
                left -= 1;
            }
        }
        Ok(())
    }

    fn open_raw(&self) -> Result<RawReader> {
        let compression = self.file.fasta_compression()?;
        RawReader::open(self.path(), compression)
            .ok_or_else(|| Error::invalid(self.path(), "cannot open it (or its .gzi) for reading"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Sets the mtime of `p`'s `.fai` to now plus `secs` (negative: in the past).
    fn set_fai_mtime(p: &Path, secs: i64) {
        let now = std::time::SystemTime::now();
        let d = std::time::Duration::from_secs(secs.unsigned_abs());
        let t = if secs >= 0 { now + d } else { now - d };
        let fai = crate::io::with_suffix(p, ".fai");
        std::fs::File::options()
            .write(true)
            .open(&fai)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    fn celegans(dir: &Path) -> PathBuf {
        let p = dir.join("g.fa");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/celegans_htslib_test.fa"),
            &p,
        )
        .unwrap();
        p
    }

    #[test]
    fn read_only_folder_refuses_a_stale_index_and_streams_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = celegans(dir.path());
        // no index, not writable: streamed
        let g = Genome::open_with(&p, false).unwrap();
        assert_eq!(g.access(), Access::Streamed);
        assert_eq!(g.contigs().len(), 7);
        // writable: indexed
        assert_eq!(
            Genome::open_with(&p, true).unwrap().access(),
            Access::Indexed
        );
        // the file changes under its index
        let text =
            std::fs::read_to_string(&p)
                .unwrap()
                .replacen(">CHROMOSOME_I\n", ">CHROMOSOME_I \n", 1);
        std::fs::write(&p, text).unwrap();
        set_fai_mtime(&p, 5);
        let err = Genome::open_with(&p, false).unwrap_err().to_string();
        assert!(err.contains("stale") && err.contains("g.fa.fai"), "{err}");
        // writable again: rebuilt, and the bases are right
        let g = Genome::open_with(&p, true).unwrap();
        assert_eq!(g.access(), Access::Indexed);
        let first = g.fetch("CHROMOSOME_I").unwrap();
        let want = EncodedSeq::from_ascii(b"GCCTAAGCCTAAGCC").unwrap();
        assert_eq!(&first.codes()[..15], want.codes());
    }

    #[test]
    fn read_only_folder_uses_an_older_index_whose_layout_matches() {
        let dir = tempfile::tempdir().unwrap();
        let p = celegans(dir.path());
        Genome::open_with(&p, true).unwrap();
        set_fai_mtime(&p, -3600);
        assert!(matches!(
            fai_check::check(&GenomeFile::inspect(&p).unwrap()),
            fai_check::IndexState::Older(_)
        ));
        assert_eq!(
            Genome::open_with(&p, false).unwrap().access(),
            Access::Indexed
        );
    }

    /// Found by fuzzing (fuzz/regressions/fasta/comment_line_inside_a_sequence.fa): the
    /// parser skips a `;` line inside a sequence, htslib counts it as bases, and reading
    /// through the index it built failed (or would read the comment as bases).
    #[test]
    fn comment_line_inside_a_sequence_is_streamed_not_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.fa");
        std::fs::write(&p, ">a\nAC\n;c\nGT\n>b\nA\n").unwrap();
        for _ in 0..2 {
            let g = Genome::open_with(&p, true).unwrap();
            assert_eq!(g.access(), Access::Streamed);
            assert_eq!(g.contig("a").unwrap().len, 4);
            assert_eq!(g.fetch("a").unwrap().to_ascii(), b"ACGT");
            assert!(
                !crate::io::with_suffix(&p, ".fai").exists(),
                "index left behind"
            );
        }
    }

    #[test]
    fn indexed_reads_equal_streamed_reads_and_catch_a_changed_middle_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = celegans(dir.path());
        let streamed = Genome::open_with(&p, false).unwrap();
        let indexed = Genome::open_with(&p, true).unwrap();
        assert_eq!(indexed.access(), Access::Indexed);
        for c in streamed.contigs() {
            assert_eq!(
                indexed.fetch(&c.name).unwrap(),
                streamed.fetch(&c.name).unwrap(),
                "{}",
                c.name
            );
        }
        // A line in the middle of CHROMOSOME_I gains a base and another loses one: the first
        // and last lines, which the index check reads, are as they were.
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // the edited lines written back, the index made to look fresh, CHROMOSOME_I read
        let read_error = |lines: &[String]| {
            std::fs::write(&p, lines.join("\n") + "\n").unwrap();
            set_fai_mtime(&p, 5);
            let g = Genome::open_with(&p, false).unwrap();
            g.fetch("CHROMOSOME_I").unwrap_err().to_string()
        };
        lines[100].push('A');
        lines[101].pop();
        let err = read_error(&lines);
        assert!(
            err.contains("not 50 bases long") && err.contains("base 4951"),
            "{err}"
        );
        // A letter that is no nucleotide, in a line the check does not read (found by
        // fuzzing: the file opens through the index, and the read that reaches it fails).
        lines[100].pop();
        lines[101].push('A');
        lines[100].replace_range(9..10, "1");
        let err = read_error(&lines);
        assert!(
            err.contains("g.fa") && err.contains("base 4960: '1' is not a nucleotide letter"),
            "{err}"
        );
    }

    #[test]
    fn visit_of_no_names_visits_nothing_in_both_access_modes() {
        let dir = tempfile::tempdir().unwrap();
        let p = celegans(dir.path());
        for writable in [false, true] {
            let g = Genome::open_with(&p, writable).unwrap();
            let mut seen = 0;
            g.visit(&[], |_, _| {
                seen += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(seen, 0, "{:?}", g.access());
            g.visit_all(|_, _| {
                seen += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(seen, 7, "{:?}", g.access());
        }
    }
}
