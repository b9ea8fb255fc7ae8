//! BED reading (first three columns, optional name) checked against a genome, and writing.
//! Lines starting with `#`, `track` or `browser` and blank lines are skipped.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

use super::intervals::IntervalSet;
use crate::genome::Genome;
use crate::io::{OutputFile, open_reader};
use crate::{Error, Result};

/// One BED record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedRecord {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    pub name: Option<String>,
}

/// Reads a BED file (plain or gzip), checking each record against `genome`: known contig,
/// `start <= end`, `end` within the contig.
pub fn read_bed(path: &Path, genome: &Genome) -> Result<Vec<BedRecord>> {
    parse_lines(path, |line| parse_line(line, genome))
}

/// What is wrong with a line of a BED file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadLine {
    Columns,
    Start(String),
    End(String),
    /// A contig the genome (its path) lacks.
    UnknownContig {
        chrom: String,
        genome: String,
    },
    Reversed {
        start: u64,
        end: u64,
    },
    PastContig {
        end: u64,
        chrom: String,
        len: u64,
    },
    /// An annotation line without a class name (4th column).
    NoClass,
    /// A class name the metrics use for their own classes.
    ReservedClass(String),
    /// A class name with a character outside letters, digits and `_.-+:`.
    ClassChar {
        name: String,
        bad: char,
    },
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadLine::Columns => write!(f, "fewer than 3 tab-separated columns"),
            BadLine::Start(s) => write!(f, "start '{s}' is not a non-negative integer"),
            BadLine::End(e) => write!(f, "end '{e}' is not a non-negative integer"),
            BadLine::UnknownContig { chrom, genome } => {
                write!(f, "contig '{chrom}' is not in the genome {genome}")
            }
            BadLine::Reversed { start, end } => write!(f, "end {end} is before start {start}"),
            BadLine::PastContig { end, chrom, len } => {
                write!(f, "end {end} is past the end of {chrom} (length {len})")
            }
            BadLine::NoClass => write!(
                f,
                "no class name: an annotation BED needs a 4th column (exon, CDS, ...)"
            ),
            BadLine::ReservedClass(name) => write!(
                f,
                "class '{name}' is one of the metrics' own classes ({}): rename it",
                RESERVED.join(", ")
            ),
            BadLine::ClassChar { name, bad } => write!(
                f,
                "class name '{name}' has '{bad}': use letters, digits and _.-+:"
            ),
        }
    }
}

/// Each data line of a BED file (comments, `track` and `browser` lines and blank lines
/// skipped) parsed by `parse`; its error gets the file and line.
fn parse_lines<T>(
    path: &Path,
    mut parse: impl FnMut(&str) -> std::result::Result<T, BadLine>,
) -> Result<Vec<T>> {
    let reader = open_reader(path)?;
    let mut out = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty()
            || line.starts_with('#')
            || line.starts_with("track")
            || line.starts_with("browser")
        {
            continue;
        }
        out.push(parse(line).map_err(|bad| Error::parse(path, i + 1, bad.to_string()))?);
    }
    Ok(out)
}

fn parse_line(line: &str, genome: &Genome) -> std::result::Result<BedRecord, BadLine> {
    let mut cols = line.split('\t');
    let chrom = cols.next().unwrap_or_default();
    let start = cols.next().ok_or(BadLine::Columns)?;
    let end = cols.next().ok_or(BadLine::Columns)?;
    let start: u64 = (start.trim().parse()).map_err(|_| BadLine::Start(start.into()))?;
    let end: u64 = (end.trim().parse()).map_err(|_| BadLine::End(end.into()))?;
    let contig = genome.contig(chrom).ok_or_else(|| BadLine::UnknownContig {
        chrom: chrom.into(),
        genome: genome.path().display().to_string(),
    })?;
    check_span(chrom, start, end, contig.len as u64)?;
    // trimmed like start and end: white space around it (a CR left from another line
    // ending, found by fuzzing) would be lost on the way through write_bed and read_bed
    let name = cols.next().map(|n| n.trim().to_string());
    Ok(BedRecord {
        chrom: chrom.to_string(),
        start,
        end,
        name,
    })
}

/// Checks that `start..end` is in order and within contig `chrom` of `len` bases.
fn check_span(chrom: &str, start: u64, end: u64, len: u64) -> std::result::Result<(), BadLine> {
    if end < start {
        return Err(BadLine::Reversed { start, end });
    }
    if end > len {
        return Err(BadLine::PastContig {
            end,
            chrom: chrom.into(),
            len,
        });
    }
    Ok(())
}

/// Merges records into one interval set per contig.
pub fn to_sets(records: &[BedRecord]) -> BTreeMap<String, IntervalSet> {
    let mut by_chrom: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    for r in records {
        by_chrom
            .entry(r.chrom.clone())
            .or_default()
            .push((r.start, r.end));
    }
    by_chrom
        .into_iter()
        .map(|(c, v)| (c, IntervalSet::from_unsorted(v)))
        .collect()
}

/// Annotation classes (score-genome --classes): their names in order of first appearance,
/// and each one's merged intervals per contig.
#[derive(Debug, Clone, Default)]
pub struct ClassSets {
    pub labels: Vec<String>,
    pub sets: Vec<BTreeMap<String, IntervalSet>>,
}

/// Names a class may not take: the metrics' own classes.
const RESERVED: [&str; 3] = super::CLASSES;

/// Reads BED files whose name column (4th) labels each interval with its class (exon, CDS,
/// promoter, ...): any number of files and classes, a class may span files, and a name may
/// list several classes separated by commas (as mask-repeats writes `softmask,dust`). Every
/// class name is made of letters, digits and `_.-+:`, and is not one of the metrics' own
/// classes (all, repeat, non_repeat); errors name the file and line.
pub fn read_classes(paths: &[impl AsRef<Path>], genome: &Genome) -> Result<ClassSets> {
    let mut labels: Vec<String> = Vec::new();
    let mut members: Vec<Vec<BedRecord>> = Vec::new();
    for path in paths {
        for (rec, names) in parse_lines(path.as_ref(), |line| labelled_line(line, genome))? {
            for name in names {
                let c = labels.iter().position(|l| *l == name).unwrap_or_else(|| {
                    labels.push(name);
                    members.push(Vec::new());
                    labels.len() - 1
                });
                members[c].push(rec.clone());
            }
        }
    }
    let sets = members.iter().map(|recs| to_sets(recs)).collect();
    Ok(ClassSets { labels, sets })
}

/// An annotation line and its class names (the name column split at commas), each checked.
fn labelled_line(
    line: &str,
    genome: &Genome,
) -> std::result::Result<(BedRecord, Vec<String>), BadLine> {
    let r = parse_line(line, genome)?;
    let names: Vec<String> = r
        .name
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::to_string)
        .collect();
    names.iter().try_for_each(|n| check_label(n))?;
    Ok((r, names))
}

fn check_label(name: &str) -> std::result::Result<(), BadLine> {
    if name.is_empty() {
        return Err(BadLine::NoClass);
    }
    if RESERVED.contains(&name) {
        return Err(BadLine::ReservedClass(name.into()));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-+:".contains(*c)))
    {
        return Err(BadLine::ClassChar {
            name: name.into(),
            bad,
        });
    }
    Ok(())
}

/// Reads a BED file straight into merged interval sets per contig.
pub fn read_sets(path: &Path, genome: &Genome) -> Result<BTreeMap<String, IntervalSet>> {
    Ok(to_sets(&read_bed(path, genome)?))
}

/// Writes records atomically, in the order given.
pub fn write_bed(dest: &Path, records: impl IntoIterator<Item = BedRecord>) -> Result<()> {
    let mut out = OutputFile::create(dest)?;
    for r in records {
        let res = match &r.name {
            Some(n) => writeln!(out, "{}\t{}\t{}\t{}", r.chrom, r.start, r.end, n),
            None => writeln!(out, "{}\t{}\t{}", r.chrom, r.start, r.end),
        };
        res.map_err(|e| Error::io(dest, e))?;
    }
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_survive_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let fa = dir.path().join("g.fa");
        std::fs::write(&fa, ">chr1\nACGTACGTACGT\n").unwrap();
        let genome = Genome::open(&fa).unwrap();
        let bed = dir.path().join("r.bed");
        std::fs::write(
            &bed,
            "chr1\t0\t10\t a b\r\r\t6\nchr1\t2\t3\nchr1\t4\t5\t\r\n",
        )
        .unwrap();
        let records = read_bed(&bed, &genome).unwrap();
        let names: Vec<_> = records.iter().map(|r| r.name.as_deref()).collect();
        assert_eq!(names, [Some("a b"), None, Some("")]);
        let copy = dir.path().join("w.bed");
        write_bed(&copy, records.clone()).unwrap();
        assert_eq!(read_bed(&copy, &genome).unwrap(), records);
    }
}
