//! Reading a `metrics.parquet` back into sums (merge-scores).

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

use super::{BinarySums, CLASSES, ClassSums, MetricsTable, Sums, conf_name};
use crate::io::parquet::{self as pq, Metadata};
use crate::target::Target;
use crate::{Error, Result};

impl MetricsTable {
    /// Reads the per-chromosome rows of a `metrics.parquet` back into sums (the `all` rows
    /// are recomputed when written again), with the file's metadata.
    pub fn read(path: &Path) -> Result<(MetricsTable, Metadata)> {
        let required = required_columns();
        let req: Vec<&str> = required.iter().map(String::as_str).collect();
        let (df, meta) = pq::read(path, &req)?;
        let owned = Owned::select(path, &df, &required)?;
        let cols = owned.typed(path)?;
        let mut table = MetricsTable::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut seen = [false; 3];
        for i in 0..df.height() {
            let row = i + 1;
            let (c, cl) = cols.chrom_class(path, i)?;
            let tg = cols.target_of(path, i)?;
            seen[Target::OF_BASES.iter().position(|t| *t == tg).unwrap_or(0)] = true;
            if c == "all" {
                continue;
            }
            let s = table
                .class_sums(c, cl, &mut index)
                .ok_or_else(|| Error::invalid(path, format!("row {row}: unknown class '{cl}'")))?;
            cols.fill(s, tg, i);
        }
        table.target = target_of_rows(seen, path)?;
        Ok((table, meta))
    }

    /// The sums of class `cl` on chromosome `c`, both added when new (a class that is not
    /// built in is an annotation class, score-genome --classes); `index` finds each
    /// chromosome's row.
    fn class_sums(
        &mut self,
        c: &str,
        cl: &str,
        index: &mut HashMap<String, usize>,
    ) -> Option<&mut ClassSums> {
        let at = *index.entry(c.to_string()).or_insert_with(|| {
            self.chroms.push((c.to_string(), Sums::default()));
            self.chroms.len() - 1
        });
        if !CLASSES.contains(&cl) && !self.labels.iter().any(|l| l == cl) {
            self.labels.push(cl.to_string());
        }
        self.chroms[at].1.class_mut(cl, &self.labels)
    }
}

/// chrom, class, n, bits and the 16 cells of the confusion matrix.
fn required_columns() -> Vec<String> {
    let mut required = vec![
        "chrom".to_string(),
        "class".into(),
        "n".into(),
        "bits".into(),
    ];
    for t in 0..4 {
        for p in 0..4 {
            required.push(conf_name(t, p));
        }
    }
    required
}

/// The table's target from the targets its rows had (base, pair, type).
fn target_of_rows(seen: [bool; 3], path: &Path) -> Result<Target> {
    Ok(match seen {
        [false, true, false] => Target::Pair,
        [false, false, true] => Target::Type,
        [false, true, true] => {
            return Err(Error::wrong_kind(
                path,
                "has pair and type rows but no base rows: not a table score-genome writes",
            ));
        }
        _ => Target::Base,
    })
}

/// The columns read, checked for their types.
struct Owned {
    chrom: Column,
    class: Column,
    n: Column,
    bits: Column,
    conf: Vec<Column>,
    /// The pair and type rows' columns (tables before them have base rows only).
    target: Option<Column>,
    accuracy: Option<Column>,
}

impl Owned {
    fn select(path: &Path, df: &DataFrame, required: &[String]) -> Result<Owned> {
        let (target, accuracy) = if df.column("target").is_ok() {
            (
                Some(pq::column(path, df, "target", &DataType::String)?),
                Some(pq::column(path, df, "accuracy", &DataType::Float64)?),
            )
        } else {
            (None, None)
        };
        Ok(Owned {
            chrom: pq::column(path, df, "chrom", &DataType::String)?,
            class: pq::column(path, df, "class", &DataType::String)?,
            n: pq::column(path, df, "n", &DataType::UInt64)?,
            bits: pq::column(path, df, "bits", &DataType::Float64)?,
            conf: required[4..]
                .iter()
                .map(|c| pq::column(path, df, c, &DataType::UInt64))
                .collect::<Result<_>>()?,
            target,
            accuracy,
        })
    }

    /// The 16 confusion-count columns as u64 columns.
    fn typed_conf(&self, path: &Path) -> Result<Vec<&UInt64Chunked>> {
        self.conf
            .iter()
            .map(|c| c.u64().map_err(|e| Error::parquet(path, e)))
            .collect()
    }

    fn typed(&self, path: &Path) -> Result<Cols<'_>> {
        let err = |e| Error::parquet(path, e);
        Ok(Cols {
            chrom: self.chrom.str().map_err(err)?,
            class: self.class.str().map_err(err)?,
            n: self.n.u64().map_err(err)?,
            bits: self.bits.f64().map_err(err)?,
            conf: self.typed_conf(path)?,
            target: self
                .target
                .as_ref()
                .map(|c| c.str())
                .transpose()
                .map_err(err)?,
            accuracy: self
                .accuracy
                .as_ref()
                .map(|c| c.f64())
                .transpose()
                .map_err(err)?,
        })
    }
}

/// The typed columns of a metrics table.
struct Cols<'a> {
    chrom: &'a StringChunked,
    class: &'a StringChunked,
    n: &'a UInt64Chunked,
    bits: &'a Float64Chunked,
    conf: Vec<&'a UInt64Chunked>,
    target: Option<&'a StringChunked>,
    accuracy: Option<&'a Float64Chunked>,
}

impl Cols<'_> {
    /// Row `i`'s chromosome and class, an error when either is null.
    fn chrom_class(&self, path: &Path, i: usize) -> Result<(&str, &str)> {
        let (Some(c), Some(cl)) = (self.chrom.get(i), self.class.get(i)) else {
            return Err(Error::invalid(
                path,
                format!("row {}: null chrom or class", i + 1),
            ));
        };
        Ok((c, cl))
    }

    /// Row `i`'s target (tables before the target column have base rows only).
    fn target_of(&self, path: &Path, i: usize) -> Result<Target> {
        let tg = self.target.and_then(|t| t.get(i)).unwrap_or("base");
        Target::parse(tg)
            .filter(|t| *t != Target::Repeat)
            .ok_or_else(|| Error::invalid(path, format!("row {}: unknown target '{tg}'", i + 1)))
    }

    /// Row `i`'s sums into `s`: the confusion matrix of a base row, the correct calls and
    /// bits of a pair or type row (whose table has no base rows to give the counts).
    fn fill(&self, s: &mut ClassSums, tg: Target, i: usize) {
        let n = self.n.get(i).unwrap_or(0);
        let bits = self.bits.get(i).unwrap_or(0.0);
        s.n = n;
        if !tg.is_base() {
            let acc = self.accuracy.and_then(|a| a.get(i)).unwrap_or(0.0);
            let b = BinarySums {
                correct: (acc * n as f64).round() as u64,
                bits: bits * n as f64,
            };
            match tg {
                Target::Pair => s.pair = b,
                _ => s.kind = b,
            }
            return;
        }
        s.bits = bits * n as f64;
        for t in 0..4 {
            for p in 0..4 {
                s.confusion[t][p] = self.conf[t * 4 + p].get(i).unwrap_or(0);
            }
        }
        s.correct = (0..4).map(|t| s.confusion[t][t]).sum();
    }
}
