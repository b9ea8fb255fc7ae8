//! The k-mer count table as Parquet.
//!
//! Schema (`kmers.parquet`): left: str (k bases), right: str (k bases), count_A, count_C,
//! count_G, count_T: u64 — one row per observed context, sorted by (left, right).
//! File metadata: `dnactx.kind=kmer_counts`, `dnactx.k`, `dnactx.strands`
//! (forward|both), `dnactx.genome`, `dnactx.split`, `dnactx.chroms`, `dnactx.version`.

use std::path::Path;

use polars::prelude::*;

use super::context::{K_MAX, K_MIN, mask, parse_kmer};
use super::counts::{CountTable, Strands};
use crate::genome::encode::BASES;
use crate::io::parquet::{self as pq, Metadata};
use crate::{Error, Result};

pub const KIND: &str = "kmer_counts";
const COLUMNS: [&str; 6] = ["left", "right", "count_A", "count_C", "count_G", "count_T"];

/// What a count table was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountsMeta {
    pub k: usize,
    pub strands: Strands,
    pub genome: String,
    pub split: String,
    /// Chromosomes counted, comma-separated, sorted as the genome lists them.
    pub chroms: String,
}

impl CountsMeta {
    fn to_metadata(&self) -> Metadata {
        let mut m = Metadata::new();
        m.insert("dnactx.kind".into(), KIND.into());
        m.insert("dnactx.k".into(), self.k.to_string());
        m.insert("dnactx.strands".into(), self.strands.as_str().into());
        m.insert("dnactx.genome".into(), self.genome.clone());
        m.insert("dnactx.split".into(), self.split.clone());
        m.insert("dnactx.chroms".into(), self.chroms.clone());
        m.insert("dnactx.version".into(), crate::VERSION.into());
        m
    }

    fn from_metadata(path: &Path, m: &Metadata) -> Result<CountsMeta> {
        let kind = pq::meta_value(path, m, "dnactx.kind")?;
        if kind != KIND {
            return Err(Error::wrong_kind(
                path,
                format!("is a {kind} table, not k-mer counts"),
            ));
        }
        let k = meta_k(path, m)?;
        let s = pq::meta_value(path, m, "dnactx.strands")?;
        let strands = Strands::parse(s).ok_or_else(|| {
            Error::invalid(
                path,
                format!("metadata dnactx.strands '{s}' is not forward|both"),
            )
        })?;
        let get = |key: &str| m.get(key).cloned().unwrap_or_default();
        Ok(CountsMeta {
            k,
            strands,
            genome: get("dnactx.genome"),
            split: get("dnactx.split"),
            chroms: get("dnactx.chroms"),
        })
    }
}

/// The table's k (from its metadata), which must be one this dnactx counts.
fn meta_k(path: &Path, m: &Metadata) -> Result<usize> {
    let k_text = pq::meta_value(path, m, "dnactx.k")?;
    let k: usize = k_text.parse().map_err(|_| {
        Error::invalid(
            path,
            format!("metadata dnactx.k '{k_text}' is not a number"),
        )
    })?;
    check_k(k).map_err(|e| Error::invalid(path, e.to_string()))?;
    Ok(k)
}

/// Checks that k is supported.
pub fn check_k(k: usize) -> Result<()> {
    if (K_MIN..=K_MAX).contains(&k) {
        Ok(())
    } else {
        Err(Error::config(
            "-k",
            format!(
                "k = {k} is out of range: k must lie in {K_MIN}..={K_MAX} (a window of 2k+1 <= 29 bases)"
            ),
        ))
    }
}

/// Writes the observed contexts of `table`, building the columns without a string
/// allocation per row.
pub fn write_counts(dest: &Path, table: &CountTable, meta: &CountsMeta) -> Result<()> {
    let k = table.k();
    let n = table.n_observed();
    let mut left = StringChunkedBuilder::new("left".into(), n);
    let mut right = StringChunkedBuilder::new("right".into(), n);
    let mut counts: [Vec<u64>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut buf = [0u8; K_MAX];
    table.for_each_observed(|ctx, c| {
        left.append_value(kmer_str(ctx >> (2 * k), k, &mut buf));
        right.append_value(kmer_str(ctx & mask(2 * k), k, &mut buf));
        for b in 0..4 {
            counts[b].push(c[b]);
        }
    });
    let mut cols = vec![left.finish().into_column(), right.finish().into_column()];
    for (name, c) in COLUMNS[2..].iter().zip(counts) {
        cols.push(Column::new((*name).into(), c));
    }
    let mut df = DataFrame::new(n, cols).map_err(|e| Error::parquet(dest, e))?;
    pq::write(dest, &mut df, &meta.to_metadata())
}

/// Letters of a packed k-mer, written into `buf`.
fn kmer_str(code: u64, k: usize, buf: &mut [u8; K_MAX]) -> &str {
    for (i, slot) in buf[..k].iter_mut().enumerate() {
        *slot = BASES[((code >> (2 * (k - 1 - i))) & 3) as usize];
    }
    std::str::from_utf8(&buf[..k]).unwrap_or_default()
}

/// Reads a count table; dense when it fits `budget_bytes`.
pub fn read_counts(path: &Path, budget_bytes: u64) -> Result<(CountTable, CountsMeta)> {
    let (df, m) = pq::read(path, &COLUMNS)?;
    let meta = CountsMeta::from_metadata(path, &m)?;
    let k = meta.k;
    let left = pq::column(path, &df, "left", &DataType::String)?;
    let right = pq::column(path, &df, "right", &DataType::String)?;
    let left = left.str().map_err(|e| Error::parquet(path, e))?;
    let right = right.str().map_err(|e| Error::parquet(path, e))?;
    let mut counts = Vec::with_capacity(4);
    for name in &COLUMNS[2..] {
        counts.push(pq::column(path, &df, name, &DataType::UInt64)?);
    }
    let counts: Vec<&UInt64Chunked> = counts
        .iter()
        .map(|c| c.u64().map_err(|e| Error::parquet(path, e)))
        .collect::<Result<_>>()?;
    let mut table = CountTable::new(k, budget_bytes);
    for i in 0..df.height() {
        let (context, c) = count_row(path, k, (left.get(i), right.get(i)), &counts, i)?;
        table.add(context, c);
    }
    table.normalize();
    Ok((table, meta))
}

/// Reads a count table to predict with: one without a single count (counted on no usable
/// bases) is refused, since it would score every base at 2 bits.
pub fn read_model(path: &Path, budget_bytes: u64) -> Result<(CountTable, CountsMeta)> {
    let (table, meta) = read_counts(path, budget_bytes)?;
    if table.total() == 0 {
        return Err(Error::invalid(
            path,
            format!(
                "the count table holds no counts (its chromosomes {} have no position with k = {} A/C/G/T bases on each side): a model cannot predict from it",
                if meta.chroms.is_empty() {
                    "(none)"
                } else {
                    &meta.chroms
                },
                meta.k
            ),
        ));
    }
    Ok((table, meta))
}

/// Row `i` of the count table `path`: its context (left and right k-mers packed) and the
/// counts of each base.
fn count_row(
    path: &Path,
    k: usize,
    (left, right): (Option<&str>, Option<&str>),
    counts: &[&UInt64Chunked],
    i: usize,
) -> Result<(u64, [u64; 4])> {
    let row_err = |msg: String| row_error(path, i, msg);
    let (lc, rc) = parse_context(path, i, k, (left, right))?;
    let mut c = [0u64; 4];
    for b in 0..4 {
        c[b] = counts[b]
            .get(i)
            .ok_or_else(|| row_err("null count".into()))?;
    }
    Ok(((lc << (2 * k)) | rc, c))
}

/// The error of row `i` (0-based) of the count table `path`.
fn row_error(path: &Path, i: usize, msg: String) -> Error {
    Error::invalid(path, format!("row {}: {msg}", i + 1))
}

/// Row `i`'s left and right k-mers, packed: k A/C/G/T bases each.
fn parse_context(
    path: &Path,
    i: usize,
    k: usize,
    (left, right): (Option<&str>, Option<&str>),
) -> Result<(u64, u64)> {
    let (Some(l), Some(r)) = (left, right) else {
        return Err(row_error(path, i, "null context".into()));
    };
    if l.len() != k || r.len() != k {
        let msg =
            format!("context '{l}'/'{r}' does not have k = {k} bases a side (metadata dnactx.k)");
        return Err(row_error(path, i, msg));
    }
    match (parse_kmer(l), parse_kmer(r)) {
        (Some(lc), Some(rc)) => Ok((lc, rc)),
        _ => Err(row_error(
            path,
            i,
            format!("context '{l}'/'{r}' holds a letter other than A/C/G/T"),
        )),
    }
}

/// A shard to merge (`path`, its metadata) must agree with the first (`first`) on k, strands
/// and genome.
fn check_shard((path, m): (&Path, &CountsMeta), (first, meta): (&Path, &CountsMeta)) -> Result<()> {
    if m.k != meta.k || m.strands != meta.strands {
        return Err(Error::invalid(
            path,
            format!(
                "has k = {} ({}) but {} has k = {} ({}): shards must agree",
                m.k,
                m.strands.as_str(),
                first.display(),
                meta.k,
                meta.strands.as_str()
            ),
        ));
    }
    if m.genome != meta.genome {
        return Err(Error::other_genome(
            path,
            format!(
                "was counted on genome {} but {} on {}",
                m.genome,
                first.display(),
                meta.genome
            ),
        ));
    }
    Ok(())
}

/// Sums several count tables (shards of one genome, e.g. one per chromosome). They must
/// agree on k and strands.
pub fn merge_counts(
    inputs: &[std::path::PathBuf],
    budget_bytes: u64,
) -> Result<(CountTable, CountsMeta)> {
    let (first, rest) = inputs
        .split_first()
        .ok_or_else(|| Error::Nothing("nothing to merge: give at least one count table".into()))?;
    let (mut table, mut meta) = read_counts(first, budget_bytes)?;
    let mut chroms: Vec<String> = vec![meta.chroms.clone()];
    for path in rest {
        let (t, m) = read_counts(path, budget_bytes)?;
        check_shard((path, &m), (first, &meta))?;
        for (ctx, c) in t.observed() {
            table.add(ctx, c);
        }
        chroms.push(m.chroms);
    }
    table.normalize();
    if table.total() == 0 {
        return Err(nothing_merged(inputs.len(), meta.k));
    }
    meta.chroms = chroms
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(",");
    Ok((table, meta))
}

/// The error of a merge whose `n` shards are all empty.
fn nothing_merged(n: usize, k: usize) -> Error {
    Error::Nothing(format!(
        "the {n} count tables to merge hold no counts at all (every shard is empty: its chromosomes have no position with k = {k} A/C/G/T bases on each side)"
    ))
}
