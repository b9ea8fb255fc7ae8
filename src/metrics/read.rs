//! Reading a `metrics.parquet` back into sums (merge-scores).

use std::path::Path;

use polars::prelude::*;

use super::{BinarySums, CLASSES, MetricsTable, Sums, conf_name};
use crate::io::parquet::{self as pq, Metadata};
use crate::target::Target;
use crate::{Error, Result};

impl MetricsTable {
    /// Reads the per-chromosome rows of a `metrics.parquet` back into sums (the `all` rows
    /// are recomputed when written again), with the file's metadata.
    pub fn read(path: &Path) -> Result<(MetricsTable, Metadata)> {
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
        let req: Vec<&str> = required.iter().map(String::as_str).collect();
        let (df, meta) = pq::read(path, &req)?;
        let chrom = pq::column(path, &df, "chrom", &DataType::String)?;
        let class = pq::column(path, &df, "class", &DataType::String)?;
        let n = pq::column(path, &df, "n", &DataType::UInt64)?;
        let bits = pq::column(path, &df, "bits", &DataType::Float64)?;
        let conf: Vec<Column> = required[4..]
            .iter()
            .map(|c| pq::column(path, &df, c, &DataType::UInt64))
            .collect::<Result<_>>()?;
        let err = |e| Error::parquet(path, e);
        let (chrom, class, n, bits) = (
            chrom.str().map_err(err)?,
            class.str().map_err(err)?,
            n.u64().map_err(err)?,
            bits.f64().map_err(err)?,
        );
        let conf: Vec<&UInt64Chunked> = conf
            .iter()
            .map(|c| c.u64().map_err(err))
            .collect::<Result<_>>()?;
        // the pair and type rows (tables before them have base rows only)
        let (target, accuracy) = if df.column("target").is_ok() {
            (
                Some(pq::column(path, &df, "target", &DataType::String)?),
                Some(pq::column(path, &df, "accuracy", &DataType::Float64)?),
            )
        } else {
            (None, None)
        };
        let target = target.as_ref().map(|c| c.str()).transpose().map_err(err)?;
        let accuracy = accuracy
            .as_ref()
            .map(|c| c.f64())
            .transpose()
            .map_err(err)?;
        let mut table = MetricsTable::default();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut seen = [false; 3];
        for i in 0..df.height() {
            let rows = i + 1;
            let (Some(c), Some(cl)) = (chrom.get(i), class.get(i)) else {
                return Err(Error::invalid(
                    path,
                    format!("row {rows}: null chrom or class"),
                ));
            };
            // tables before the target column have base rows only
            let tg = target.and_then(|t| t.get(i)).unwrap_or("base");
            let tg = Target::parse(tg)
                .filter(|t| *t != Target::Repeat)
                .ok_or_else(|| {
                    Error::invalid(path, format!("row {rows}: unknown target '{tg}'"))
                })?;
            seen[Target::OF_BASES.iter().position(|t| *t == tg).unwrap_or(0)] = true;
            if c == "all" {
                continue;
            }
            let at = *index.entry(c.to_string()).or_insert_with(|| {
                table.chroms.push((c.to_string(), Sums::default()));
                table.chroms.len() - 1
            });
            // a class that is not built in is an annotation class (score-genome --classes)
            if !CLASSES.contains(&cl) && !table.labels.iter().any(|l| l == cl) {
                table.labels.push(cl.to_string());
            }
            let s = table.chroms[at]
                .1
                .class_mut(cl, &table.labels)
                .ok_or_else(|| Error::invalid(path, format!("row {rows}: unknown class '{cl}'")))?;
            let rows_n = n.get(i).unwrap_or(0);
            if !tg.is_base() {
                let nf = rows_n as f64;
                let acc = accuracy.and_then(|a| a.get(i)).unwrap_or(0.0);
                let b = BinarySums {
                    correct: (acc * nf).round() as u64,
                    bits: bits.get(i).unwrap_or(0.0) * nf,
                };
                // a two-class model's table has no base rows to give the counts
                s.n = rows_n;
                match tg {
                    Target::Pair => s.pair = b,
                    _ => s.kind = b,
                }
                continue;
            }
            s.n = rows_n;
            s.bits = bits.get(i).unwrap_or(0.0) * s.n as f64;
            for t in 0..4 {
                for p in 0..4 {
                    s.confusion[t][p] = conf[t * 4 + p].get(i).unwrap_or(0);
                }
            }
            s.correct = (0..4).map(|t| s.confusion[t][t]).sum();
        }
        table.target = match seen {
            [false, true, false] => Target::Pair,
            [false, false, true] => Target::Type,
            [false, true, true] => {
                return Err(Error::invalid(
                    path,
                    "has pair and type rows but no base rows: not a table score-genome writes",
                ));
            }
            _ => Target::Base,
        };
        Ok((table, meta))
    }
}
