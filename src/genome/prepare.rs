//! A genome as downloaded (plain gzip, which can only be read from the start; ragged lines;
//! NCBI headers with descriptions; UCSC `.2bit`) made into the form every job reads fast:
//! bgzip with 60-base lines, names as the first word of each header, `.fai` and `.gzi`
//! beside it.

use std::io::{BufRead, Write};
use std::path::Path;

use rust_htslib::bgzf;

use super::format::{Format, GenomeFile};
use super::{Access, Genome, two_bit};
use crate::io::{TempOutput, with_suffix};
use crate::{Error, Result};

const LINE: usize = 60;

/// Writes `src` (plain, gzip or bgzip FASTA, or UCSC `.2bit`, told by its first bytes) to
/// `dest` as bgzip with its `.fai` and `.gzi`, bases unchanged (case, N runs and IUPAC
/// letters kept), each header cut to its first word. Nothing is left at `dest` unless all
/// of it was written and indexed. `on_bases` is told how many bases were copied so far.
pub fn to_bgzip(src: &Path, dest: &Path, threads: u32, on_bases: impl FnMut(u64)) -> Result<()> {
    let file = GenomeFile::inspect(src)?;
    let temp = TempOutput::new(dest)?;
    let mut w = bgzf::Writer::from_path(temp.path())
        .map_err(|e| Error::write(dest, "cannot write bgzip", e))?;
    let pool = rust_htslib::tpool::ThreadPool::new(threads.max(1)).ok();
    if let Some(p) = &pool {
        let _ = w.set_thread_pool(p);
    }
    match file.format {
        Format::TwoBit => two_bit::to_fasta(src, &mut w, LINE, dest, on_bases)?,
        Format::Fasta(_) => copy_fasta(&file, &mut w, dest, on_bases)?,
    }
    w.flush().map_err(|e| Error::io(dest, e))?;
    drop(w);
    temp.commit()?;
    index(src, dest)
}

/// Copies the FASTA records of `file` to `w` in `LINE`-base lines, headers cut to their name.
fn copy_fasta(
    file: &GenomeFile,
    w: &mut impl Write,
    dest: &Path,
    mut on_bases: impl FnMut(u64),
) -> Result<()> {
    let (src, io) = (file.path.as_path(), |e: std::io::Error| Error::io(dest, e));
    let mut reader = file.text()?;
    let (mut line, mut held, mut bases) = (Vec::new(), Vec::with_capacity(2 * LINE), 0u64);
    let mut lineno = 0;
    loop {
        line.clear();
        lineno += 1;
        let read = reader.read_until(b'\n', &mut line);
        if read.map_err(|e| Error::io(src, e))? == 0 {
            break;
        }
        let text = line.trim_ascii();
        if text.first() == Some(&b'>') {
            flush_lines(w, &mut held, true).map_err(io)?;
            let name = header_name(text)
                .ok_or_else(|| Error::parse(src, lineno, "a header without a name"))?;
            w.write_all(&[b">", name, b"\n"].concat()).map_err(io)?;
        } else if !text.is_empty() && text[0] != b';' {
            held.extend(text.iter().filter(|b| !b.is_ascii_whitespace()));
            bases += text.len() as u64;
            flush_lines(w, &mut held, false).map_err(io)?;
            if lineno % 100_000 == 0 {
                on_bases(bases);
            }
        }
    }
    flush_lines(w, &mut held, true).map_err(io)?;
    Ok(())
}

/// The name of a header line `>name description` (its first word); `None` when empty.
fn header_name(text: &[u8]) -> Option<&[u8]> {
    let name = text[1..].split(|b| b.is_ascii_whitespace()).next()?;
    (!name.is_empty()).then_some(name)
}

/// Indexes the bgzip copy at `dest` and checks it reads through the index; removes it
/// (and any index) when not.
fn index(src: &Path, dest: &Path) -> Result<()> {
    let genome = Genome::open(dest);
    match genome {
        Ok(g) if g.access() == Access::Indexed => Ok(()),
        other => {
            for p in [
                dest.to_path_buf(),
                with_suffix(dest, ".fai"),
                with_suffix(dest, ".gzi"),
            ] {
                let _ = std::fs::remove_file(p);
            }
            Err(match other {
                Err(e) => e,
                Ok(_) => Error::invalid(src, "its bgzip copy could not be indexed"),
            })
        }
    }
}

/// Writes the full lines of `held` (all of it with `all`), keeping the rest.
fn flush_lines(w: &mut impl Write, held: &mut Vec<u8>, all: bool) -> std::io::Result<()> {
    let full = if all {
        held.len()
    } else {
        held.len() / LINE * LINE
    };
    for chunk in held[..full].chunks(LINE) {
        w.write_all(chunk)?;
        w.write_all(b"\n")?;
    }
    held.drain(..full);
    Ok(())
}
