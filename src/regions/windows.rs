//! Genome tiles ("windows") with their split and base composition, and their Parquet table.
//!
//! Schema (`windows.parquet`): chrom: str, start: u64, end: u64, split: str
//! (train/valid/test), n_acgt: u64, n_repeat: u64, gc: f64 (null when n_acgt is 0).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;

use super::intervals::IntervalSet;
use super::splits::{Split, SplitConfig, sample_indices};
use crate::genome::{Genome, encode};
use crate::io::parquet::{self as pq, Metadata};
use crate::{Error, Result};

/// One row of the windows table.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRow {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    pub split: Split,
    pub n_acgt: u64,
    pub n_repeat: u64,
    pub gc: Option<f64>,
}

/// How to tile.
#[derive(Debug, Clone)]
pub struct TileSpec {
    pub size: u64,
    /// Tiles whose share of unknown bases is above this are dropped.
    pub max_unknown: f64,
}

/// Tiles every contig that has a split; `repeats` (merged per contig) gives n_repeat, and
/// without it soft-masked bases count as repeats.
pub fn make_windows(
    genome: &Genome,
    spec: &TileSpec,
    splits: &SplitConfig,
    repeats: Option<&BTreeMap<String, IntervalSet>>,
    on_contig: impl FnMut(&str),
) -> Result<Vec<WindowRow>> {
    if spec.size == 0 {
        return Err(Error::config("--size", "window size must be at least 1"));
    }
    if !(0.0..=1.0).contains(&spec.max_unknown) {
        return Err(Error::config(
            "--max-unknown",
            format!("max_unknown must lie in [0, 1], got {}", spec.max_unknown),
        ));
    }
    let assigned = splits.assign(genome)?;
    make_windows_assigned(genome, spec, &assigned, splits, repeats, on_contig)
}

/// [`make_windows`] with each contig's split given (a split plan's, or a crossfit fold's);
/// `splits` gives the valid fraction and seed.
pub fn make_windows_assigned(
    genome: &Genome,
    spec: &TileSpec,
    assigned: &std::collections::HashMap<String, Split>,
    splits: &SplitConfig,
    repeats: Option<&BTreeMap<String, IntervalSet>>,
    mut on_contig: impl FnMut(&str),
) -> Result<Vec<WindowRow>> {
    let names = in_genome_order(genome, assigned);
    let mut rows = Vec::new();
    if names.is_empty() {
        return Ok(rows);
    }
    genome.visit(&names, |contig, seq| {
        on_contig(&contig.name);
        let split = assigned[&contig.name];
        let rep = repeats.and_then(|r| r.get(&contig.name));
        tile_contig(&contig.name, seq.codes(), split, rep, spec, &mut rows);
        Ok(())
    })?;
    move_to_valid(&mut rows, splits.valid_fraction, splits.seed);
    Ok(rows)
}

/// A tile's A/C/G/T bases, its G and C bases, and its soft-masked bases.
fn base_counts(tile: &[u8]) -> (u64, u64, u64) {
    let (mut acgt, mut gc, mut soft) = (0u64, 0u64, 0u64);
    for &c in tile {
        let known = encode::is_acgt(c) as u64;
        acgt += known;
        gc += known & ((c & 3 == 1 || c & 3 == 2) as u64);
        soft += encode::is_soft(c) as u64;
    }
    (acgt, gc, soft)
}

fn tile_contig(
    chrom: &str,
    codes: &[u8],
    split: Split,
    repeats: Option<&IntervalSet>,
    spec: &TileSpec,
    rows: &mut Vec<WindowRow>,
) {
    let len = codes.len() as u64;
    let mut start = 0;
    while start < len {
        let end = (start + spec.size).min(len);
        let (acgt, gc, soft) = base_counts(&codes[start as usize..end as usize]);
        let unknown = (end - start - acgt) as f64 / (end - start) as f64;
        if unknown <= spec.max_unknown {
            let n_repeat = repeats.map_or(soft, |r| r.overlap(start, end));
            rows.push(tile_row(chrom, (start, end), split, (acgt, gc, n_repeat)));
        }
        start = end;
    }
}

/// The row of the tile `start..end` of `chrom` with its A/C/G/T, G and C, and repeat bases.
fn tile_row(
    chrom: &str,
    (start, end): (u64, u64),
    split: Split,
    (acgt, gc, n_repeat): (u64, u64, u64),
) -> WindowRow {
    WindowRow {
        chrom: chrom.to_string(),
        start,
        end,
        split,
        n_acgt: acgt,
        n_repeat,
        gc: (acgt > 0).then(|| gc as f64 / acgt as f64),
    }
}

/// Moves a seeded share of the train windows to valid.
fn move_to_valid(rows: &mut [WindowRow], fraction: f64, seed: u64) {
    if fraction <= 0.0 {
        return;
    }
    let train: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].split == Split::Train)
        .collect();
    let count = (fraction * train.len() as f64).round() as usize;
    for k in sample_indices(train.len(), count, seed) {
        rows[train[k]].split = Split::Valid;
    }
}

/// Writes the windows table with its metadata.
pub fn write_parquet(dest: &Path, rows: &[WindowRow], meta: &Metadata) -> Result<()> {
    let u64s = |f: fn(&WindowRow) -> u64| rows.iter().map(f).collect::<Vec<_>>();
    let chrom: Vec<&str> = rows.iter().map(|r| r.chrom.as_str()).collect();
    let split: Vec<&str> = rows.iter().map(|r| r.split.as_str()).collect();
    let gc: Vec<Option<f64>> = rows.iter().map(|r| r.gc).collect();
    let cols = vec![
        Column::new("chrom".into(), chrom),
        Column::new("start".into(), u64s(|r| r.start)),
        Column::new("end".into(), u64s(|r| r.end)),
        Column::new("split".into(), split),
        Column::new("n_acgt".into(), u64s(|r| r.n_acgt)),
        Column::new("n_repeat".into(), u64s(|r| r.n_repeat)),
        Column::new("gc".into(), gc),
    ];
    let mut df = DataFrame::new(rows.len(), cols).map_err(|e| Error::parquet(dest, e))?;
    pq::write(dest, &mut df, meta)
}

const COLUMNS: [&str; 7] = ["chrom", "start", "end", "split", "n_acgt", "n_repeat", "gc"];

/// Reads a windows table, its rows checked against `genome`.
pub fn read_parquet(path: &Path, genome: &Genome) -> Result<Vec<WindowRow>> {
    let (df, _) = pq::read(path, &COLUMNS)?;
    let err = |e| Error::parquet(path, e);
    let [chrom, split, start, end, n_acgt, n_repeat, gc] = checked_columns(path, &df)?;
    let (chrom, split) = (chrom.str().map_err(err)?, split.str().map_err(err)?);
    let (start, end) = (start.u64().map_err(err)?, end.u64().map_err(err)?);
    let (n_acgt, n_repeat) = (n_acgt.u64().map_err(err)?, n_repeat.u64().map_err(err)?);
    let gc = gc.f64().map_err(err)?;
    (0..df.height())
        .map(|i| {
            let row = (chrom.get(i), start.get(i), end.get(i), split.get(i));
            let counts = (n_acgt.get(i), n_repeat.get(i), gc.get(i));
            window_row(genome, row, counts).map_err(|why| why.at(path, i + 1))
        })
        .collect()
}

/// The windows table's columns, checked for their types: chrom, split, start, end, n_acgt,
/// n_repeat and gc.
fn checked_columns(path: &Path, df: &DataFrame) -> Result<[Column; 7]> {
    let col = |name, dtype| pq::column(path, df, name, dtype);
    Ok([
        col("chrom", &DataType::String)?,
        col("split", &DataType::String)?,
        col("start", &DataType::UInt64)?,
        col("end", &DataType::UInt64)?,
        col("n_acgt", &DataType::UInt64)?,
        col("n_repeat", &DataType::UInt64)?,
        col("gc", &DataType::Float64)?,
    ])
}

/// What is wrong with a row of a windows table.
struct BadRow(String);

impl BadRow {
    /// The error about row `row` (1-based) of the table `path`.
    fn at(self, path: &Path, row: usize) -> Error {
        Error::invalid(path, format!("row {row}: {}", self.0))
    }
}

/// One row of a windows table, checked: no null, a known split, inside a contig of
/// `genome`.
fn window_row(
    genome: &Genome,
    row: (Option<&str>, Option<u64>, Option<u64>, Option<&str>),
    (acgt, repeat, gc): (Option<u64>, Option<u64>, Option<f64>),
) -> std::result::Result<WindowRow, BadRow> {
    let ((Some(c), Some(s), Some(e), Some(sp)), Some(n_acgt), Some(n_repeat)) = (row, acgt, repeat)
    else {
        return Err(BadRow("a null value".into()));
    };
    let split = Split::parse(sp).ok_or_else(|| BadRow(format!("unknown split '{sp}'")))?;
    check_inside(genome, c, s, e)?;
    Ok(WindowRow {
        chrom: c.to_string(),
        start: s,
        end: e,
        split,
        n_acgt,
        n_repeat,
        gc,
    })
}

/// Checks that `c:s-e` is in order and inside a contig of `genome`.
fn check_inside(genome: &Genome, c: &str, s: u64, e: u64) -> std::result::Result<(), BadRow> {
    let contig = genome.contig(c).ok_or_else(|| {
        BadRow(format!(
            "contig '{c}' is not in {}",
            genome.path().display()
        ))
    })?;
    if e < s || e > contig.len as u64 {
        let len = contig.len;
        return Err(BadRow(format!(
            "{c}:{s}-{e} is not inside {c} (length {len})"
        )));
    }
    Ok(())
}

/// The windows of one split as merged interval sets per contig.
pub fn split_regions(
    path: &Path,
    genome: &Genome,
    split: Split,
) -> Result<HashMap<String, IntervalSet>> {
    let mut by_chrom: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
    for w in read_parquet(path, genome)? {
        if w.split == split {
            by_chrom.entry(w.chrom).or_default().push((w.start, w.end));
        }
    }
    Ok(by_chrom
        .into_iter()
        .map(|(c, v)| (c, IntervalSet::from_unsorted(v)))
        .collect())
}

/// Regions per contig: the split's windows of the table at `windows`, or whole contigs
/// without one; only the contigs `chroms` when any are named.
pub fn split_or_whole(
    genome: &Genome,
    windows: Option<&Path>,
    split: Split,
    chroms: &[String],
) -> Result<HashMap<String, IntervalSet>> {
    let mut regions = match windows {
        Some(p) => split_regions(p, genome, split)?,
        None => genome
            .contigs()
            .iter()
            .map(|c| {
                let whole = IntervalSet::from_unsorted(vec![(0, c.len as u64)]);
                (c.name.clone(), whole)
            })
            .collect(),
    };
    if !chroms.is_empty() {
        let keep: std::collections::HashSet<&String> = chroms.iter().collect();
        regions.retain(|c, _| keep.contains(c));
    }
    Ok(regions)
}

/// The `split` windows of `windows`, or else the regions of the BED `bed`; one of the two is
/// needed.
pub fn windows_or_bed(
    genome: &Genome,
    windows: Option<&Path>,
    split: Split,
    bed: Option<&Path>,
) -> Result<HashMap<String, IntervalSet>> {
    match (windows, bed) {
        (Some(w), _) => split_regions(w, genome, split),
        (None, Some(b)) => Ok(super::bed::read_sets(b, genome)?.into_iter().collect()),
        (None, None) => Err(Error::config("--windows", "give --windows or --regions")),
    }
}

/// What a tool that takes a split's windows or whole chromosomes works on.
pub struct Chosen {
    /// The regions per contig (none on a chosen chromosome without windows of the split).
    pub regions: HashMap<String, IntervalSet>,
    /// The split's name for the output's metadata: `all` for whole chromosomes.
    pub label: String,
}

impl Chosen {
    /// The windows of `split` in `windows`, or whole contigs without it, on `chroms` (all when
    /// empty; each checked against the genome, an error naming `--chrom`).
    pub fn new(
        genome: &Genome,
        windows: Option<&Path>,
        split: Split,
        chroms: &[String],
    ) -> Result<Chosen> {
        genome.check_names(chroms.iter().map(String::as_str), "--chrom")?;
        let regions = split_or_whole(genome, windows, split, chroms)?;
        let label = match windows {
            Some(_) => split.to_string(),
            None => "all".into(),
        };
        Ok(Chosen { regions, label })
    }
}

/// The contigs that are keys of `regions` (regions, splits, ...), in the genome's order.
pub fn in_genome_order<V>(genome: &Genome, regions: &HashMap<String, V>) -> Vec<String> {
    genome
        .contigs()
        .iter()
        .filter(|c| regions.contains_key(&c.name))
        .map(|c| c.name.clone())
        .collect()
}
