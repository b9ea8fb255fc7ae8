//! Genome access: FASTA plain, gzip or bgzip. Plain and bgzip files are read through a
//! faidx index (built when missing and the folder is writable); anything else is streamed.
//! Bases come as [`EncodedSeq`] (one byte per base, unknown and soft-mask kept apart).

pub mod encode;
mod faidx;
pub mod fasta;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use encode::EncodedSeq;
use fasta::FastaReader;

use crate::io::{Compression, open_reader, sniff_compression};
use crate::{Error, Result};

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
}

/// An opened genome: its contigs and the way to read them.
#[derive(Debug, Clone)]
pub struct Genome {
    path: PathBuf,
    contigs: Vec<Contig>,
    index: HashMap<String, usize>,
    access: Access,
}

impl Genome {
    /// Opens a FASTA file, validating it and indexing it when it can.
    pub fn open(path: &Path) -> Result<Genome> {
        let compression = sniff_compression(path)?;
        let (contigs, access) = if compression == Compression::Gzip {
            (stream_lengths(path)?, Access::Streamed)
        } else if let Some(fai) = faidx::Faidx::open(path, false) {
            (fai.contigs(), Access::Indexed)
        } else {
            // No index yet: validate by streaming once, then let htslib build one.
            let lengths = stream_lengths(path)?;
            let access = match faidx::Faidx::open(path, true) {
                Some(_) => Access::Indexed,
                None => Access::Streamed,
            };
            (lengths, access)
        };
        Self::from_parts(path, contigs, access)
    }

    fn from_parts(path: &Path, lengths: Vec<(String, usize)>, access: Access) -> Result<Genome> {
        if lengths.is_empty() {
            return Err(Error::invalid(path, "no sequences in the FASTA index"));
        }
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
        Ok(Genome {
            path: path.to_path_buf(),
            contigs,
            index,
            access,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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
        Err(Error::Config(format!(
            "{what} names chromosome(s) {} that {} lacks; it has: {}",
            missing.join(", "),
            self.path.display(),
            self.contig_list()
        )))
    }

    /// Every contig name, in file order.
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
            Error::Config(format!(
                "{} has no contig '{name}'; it has: {}",
                self.path.display(),
                self.contig_list()
            ))
        })?;
        match self.access {
            Access::Indexed => self.fetch_indexed(contig),
            Access::Streamed => {
                let mut found = None;
                self.stream(&[name.to_string()], |_, seq| {
                    found = Some(seq);
                    Ok(())
                })?;
                found.ok_or_else(|| Error::invalid(&self.path, format!("contig '{name}' vanished")))
            }
        }
    }

    /// Reads a contig through faidx in slices, encoding each into the final buffer, so the
    /// peak is one byte per base plus one slice.
    fn fetch_indexed(&self, contig: &Contig) -> Result<EncodedSeq> {
        const SLICE: usize = 1 << 24;
        let fai = faidx::Faidx::open(&self.path, false)
            .ok_or_else(|| Error::invalid(&self.path, "faidx index could not be loaded"))?;
        let mut codes = Vec::with_capacity(contig.len);
        let mut start = 0;
        while start < contig.len {
            let end = (start + SLICE).min(contig.len);
            let mut bytes = fai.fetch(&contig.name, start, end).ok_or_else(|| {
                Error::invalid(
                    &self.path,
                    format!("reading contig '{}' through faidx failed", contig.name),
                )
            })?;
            if bytes.len() != end - start {
                return Err(Error::invalid(
                    &self.path,
                    format!(
                        "contig '{}': read {} bases at {start}, expected {} (stale .fai index?)",
                        contig.name,
                        bytes.len(),
                        end - start
                    ),
                ));
            }
            encode::encode_in_place(&mut bytes).map_err(|i| {
                Error::invalid(
                    &self.path,
                    format!(
                        "contig '{}' position {}: not a nucleotide letter",
                        contig.name,
                        start + i
                    ),
                )
            })?;
            codes.extend_from_slice(&bytes);
            start = end;
        }
        Ok(EncodedSeq::from_codes(codes))
    }

    /// Calls `f` with each named contig, in file order, holding one contig in memory at a
    /// time. Nothing is visited for an empty list.
    pub fn visit(
        &self,
        names: &[String],
        mut f: impl FnMut(&Contig, EncodedSeq) -> Result<()>,
    ) -> Result<()> {
        self.check_names(names.iter().map(String::as_str), "the request")?;
        match self.access {
            Access::Indexed => {
                for contig in &self.contigs {
                    if names.contains(&contig.name) {
                        f(contig, self.fetch_indexed(contig)?)?;
                    }
                }
                Ok(())
            }
            Access::Streamed => self.stream(names, f),
        }
    }

    fn stream(
        &self,
        names: &[String],
        mut f: impl FnMut(&Contig, EncodedSeq) -> Result<()>,
    ) -> Result<()> {
        let mut reader = FastaReader::new(open_reader(&self.path)?, &self.path);
        let wanted = |n: &str| names.is_empty() || names.iter().any(|w| w == n);
        let mut left = if names.is_empty() {
            self.contigs.len()
        } else {
            names.len()
        };
        while left > 0 {
            let Some(rec) = reader.next_record_with(wanted)? else {
                break;
            };
            if let Some(seq) = rec.seq {
                let contig = &self.contigs[self.index[&rec.name]];
                f(contig, seq)?;
                left -= 1;
            }
        }
        Ok(())
    }
}

fn stream_lengths(path: &Path) -> Result<Vec<(String, usize)>> {
    FastaReader::new(open_reader(path)?, path).lengths()
}
