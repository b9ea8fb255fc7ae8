//! Accuracy, cross-entropy and confusion by chromosome and by class (all positions,
//! repeats, non-repeats), and their table.
//!
//! Schema (`metrics.parquet`, and the same columns in `metrics.tsv`): chrom: str (`all` for
//! the whole scored set), class: str (all/repeat/non_repeat), n: u64, accuracy: f64,
//! bits: f64 (mean -log2 p(reference base)), and conf_XY: u64 for X, Y in ACGT: positions
//! whose reference base is X and whose most probable base is Y.

use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use crate::io::OutputFile;
use crate::io::parquet::{self as pq, Metadata};
use crate::predict::{Probs, argmax};
use crate::{Error, Result};

/// Position classes reported.
pub const CLASSES: [&str; 3] = ["all", "repeat", "non_repeat"];

/// Sums for one class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassSums {
    pub n: u64,
    pub correct: u64,
    pub bits: f64,
    pub confusion: [[u64; 4]; 4],
}

impl ClassSums {
    pub fn add(&mut self, reference: usize, p: &Probs) {
        let pred = argmax(p);
        self.n += 1;
        self.correct += (pred == reference) as u64;
        self.bits -= (p[reference] as f64).log2();
        self.confusion[reference][pred] += 1;
    }

    pub fn merge(&mut self, o: &ClassSums) {
        self.n += o.n;
        self.correct += o.correct;
        self.bits += o.bits;
        for t in 0..4 {
            for p in 0..4 {
                self.confusion[t][p] += o.confusion[t][p];
            }
        }
    }

    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.n as f64
    }

    pub fn mean_bits(&self) -> f64 {
        self.bits / self.n as f64
    }
}

/// Sums for all positions, for the repeat and the non-repeat ones, and for each annotation
/// class (score-genome --classes; a position may be in several).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub all: ClassSums,
    pub repeat: ClassSums,
    pub non_repeat: ClassSums,
    /// One per annotation class, in the order of the table's `labels`.
    pub labels: Vec<ClassSums>,
}

impl Sums {
    /// Empty sums with `n` annotation classes.
    pub fn with_labels(n: usize) -> Self {
        Sums {
            labels: vec![ClassSums::default(); n],
            ..Sums::default()
        }
    }

    #[inline]
    pub fn add(&mut self, reference: usize, p: &Probs, repeat: bool) {
        self.all.add(reference, p);
        let class = if repeat {
            &mut self.repeat
        } else {
            &mut self.non_repeat
        };
        class.add(reference, p);
    }

    /// Adds a position to annotation class `i` (see [`Sums::with_labels`]).
    #[inline]
    pub fn add_label(&mut self, i: usize, reference: usize, p: &Probs) {
        self.labels[i].add(reference, p);
    }

    pub fn merge(&mut self, o: &Sums) {
        self.all.merge(&o.all);
        self.repeat.merge(&o.repeat);
        self.non_repeat.merge(&o.non_repeat);
        if self.labels.len() < o.labels.len() {
            self.labels.resize(o.labels.len(), ClassSums::default());
        }
        for (a, b) in self.labels.iter_mut().zip(&o.labels) {
            a.merge(b);
        }
    }

    /// Each class with its name: [`CLASSES`], then the annotation classes named by `labels`.
    pub fn classes<'a, 'l>(&'a self, labels: &'l [String]) -> Vec<(&'l str, &'a ClassSums)> {
        let [all, repeat, non_repeat] = CLASSES;
        let mut out = vec![
            (all, &self.all),
            (repeat, &self.repeat),
            (non_repeat, &self.non_repeat),
        ];
        out.extend(labels.iter().map(String::as_str).zip(&self.labels));
        out
    }

    /// The class named `name`: one of [`CLASSES`], or of `labels` (the annotation classes).
    pub fn class_mut(&mut self, name: &str, labels: &[String]) -> Option<&mut ClassSums> {
        match name {
            "all" => Some(&mut self.all),
            "repeat" => Some(&mut self.repeat),
            "non_repeat" => Some(&mut self.non_repeat),
            _ => {
                let i = labels.iter().position(|l| l == name)?;
                if self.labels.len() <= i {
                    self.labels.resize(i + 1, ClassSums::default());
                }
                Some(&mut self.labels[i])
            }
        }
    }
}

/// Metrics per chromosome, in scoring order, and overall.
#[derive(Debug, Default)]
pub struct MetricsTable {
    pub chroms: Vec<(String, Sums)>,
    /// The annotation classes' names (score-genome --classes), rows after the built-in ones.
    pub labels: Vec<String>,
}

impl MetricsTable {
    pub fn add_chrom(&mut self, chrom: &str, sums: Sums) {
        self.chroms.push((chrom.to_string(), sums));
    }

    pub fn overall(&self) -> Sums {
        let mut all = Sums::default();
        for (_, s) in &self.chroms {
            all.merge(s);
        }
        all
    }

    /// Rows: every chromosome then `all`, each with its classes (the three built-in ones,
    /// then the annotation classes).
    fn rows(&self) -> Vec<(String, &str, ClassSums)> {
        let overall = ("all".to_string(), self.overall());
        let mut rows = Vec::new();
        for (chrom, sums) in self.chroms.iter().chain(std::iter::once(&overall)) {
            let mut sums = sums.clone();
            sums.labels.resize(self.labels.len(), ClassSums::default());
            for (class, class_sums) in sums.classes(&self.labels) {
                rows.push((chrom.clone(), class, *class_sums));
            }
        }
        rows
    }

    /// Writes `metrics.parquet` and `metrics.tsv` style outputs.
    pub fn write(&self, parquet: &Path, tsv: &Path, meta: &Metadata) -> Result<()> {
        let rows = self.rows();
        let mut cols = vec![
            Column::new(
                "chrom".into(),
                rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("class".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new("n".into(), rows.iter().map(|r| r.2.n).collect::<Vec<_>>()),
            Column::new(
                "accuracy".into(),
                rows.iter()
                    .map(|r| nan_if_empty(&r.2, r.2.accuracy()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "bits".into(),
                rows.iter()
                    .map(|r| nan_if_empty(&r.2, r.2.mean_bits()))
                    .collect::<Vec<_>>(),
            ),
        ];
        for t in 0..4 {
            for p in 0..4 {
                cols.push(Column::new(
                    conf_name(t, p).into(),
                    rows.iter().map(|r| r.2.confusion[t][p]).collect::<Vec<_>>(),
                ));
            }
        }
        let mut df = DataFrame::new(rows.len(), cols).map_err(|e| Error::parquet(parquet, e))?;
        let mut out = OutputFile::create(tsv)?;
        write_tsv(&mut out, &rows).map_err(|e| Error::io(tsv, e))?;
        pq::write(parquet, &mut df, meta)?;
        out.commit()
    }
}

fn nan_if_empty(s: &ClassSums, v: f64) -> Option<f64> {
    (s.n > 0).then_some(v)
}

fn conf_name(t: usize, p: usize) -> String {
    let b = b"ACGT";
    format!("conf_{}{}", b[t] as char, b[p] as char)
}

fn write_tsv(out: &mut impl Write, rows: &[(String, &str, ClassSums)]) -> std::io::Result<()> {
    write!(out, "chrom\tclass\tn\taccuracy\tbits")?;
    for t in 0..4 {
        for p in 0..4 {
            write!(out, "\t{}", conf_name(t, p))?;
        }
    }
    writeln!(out)?;
    for (chrom, class, s) in rows {
        let (acc, bits) = if s.n > 0 {
            (
                format!("{:.6}", s.accuracy()),
                format!("{:.6}", s.mean_bits()),
            )
        } else {
            ("NA".into(), "NA".into())
        };
        write!(out, "{chrom}\t{class}\t{}\t{acc}\t{bits}", s.n)?;
        for row in &s.confusion {
            for n in row {
                write!(out, "\t{n}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums() {
        let mut s = Sums::default();
        s.add(0, &[0.5, 0.25, 0.125, 0.125], true);
        s.add(1, &[0.5, 0.25, 0.125, 0.125], false);
        assert_eq!(s.all.n, 2);
        assert_eq!(s.all.correct, 1);
        assert!((s.all.mean_bits() - 1.5).abs() < 1e-12);
        assert_eq!(s.repeat.n, 1);
        assert_eq!(s.non_repeat.confusion[1][0], 1);
        let mut t = s.clone();
        for (name, class) in s.classes(&[]) {
            assert_eq!(*class, *t.class_mut(name, &[]).unwrap());
        }
        assert!(t.class_mut("repeats", &[]).is_none());
        let names: Vec<&str> = s.classes(&[]).iter().map(|(name, _)| *name).collect();
        assert_eq!(names, CLASSES);
    }

    #[test]
    fn annotation_classes_round_trip() {
        let p = [0.5, 0.25, 0.125, 0.125];
        let labels = vec!["exon".to_string(), "promoter".to_string()];
        let mut a = Sums::with_labels(2);
        a.add(0, &p, false);
        a.add_label(0, 0, &p);
        a.add(2, &p, true);
        a.add_label(0, 2, &p);
        a.add_label(1, 2, &p);
        let mut b = Sums::with_labels(2);
        b.add(1, &p, false);
        b.add_label(1, 1, &p);
        let table = MetricsTable {
            chroms: vec![("c1".into(), a.clone()), ("c2".into(), b.clone())],
            labels: labels.clone(),
        };
        let all = table.overall();
        assert_eq!((all.labels[0].n, all.labels[0].correct), (2, 1));
        assert_eq!((all.labels[1].n, all.labels[1].correct), (2, 0));
        let names: Vec<&str> = all.classes(&labels).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["all", "repeat", "non_repeat", "exon", "promoter"]);
        let dir = tempfile::tempdir().unwrap();
        let (pq_path, tsv) = (dir.path().join("m.parquet"), dir.path().join("m.tsv"));
        table.write(&pq_path, &tsv, &Metadata::new()).unwrap();
        let (back, _) = MetricsTable::read(&pq_path).unwrap();
        assert_eq!(back.labels, labels);
        assert_eq!(back.chroms.len(), 2);
        for ((c, x), (d, y)) in back.chroms.iter().zip(&table.chroms) {
            assert_eq!(c, d);
            assert_eq!(x.labels.len(), 2);
            for (u, v) in x.labels.iter().zip(&y.labels) {
                assert_eq!((u.n, u.correct, u.confusion), (v.n, v.correct, v.confusion));
                assert!((u.bits - v.bits).abs() < 1e-9);
            }
        }
        let text = std::fs::read_to_string(&tsv).unwrap();
        assert_eq!(text.lines().count(), 1 + 3 * 5);
        assert!(text.contains("all\tpromoter\t2\t0.000000"));
    }
}

/// Bins of a reliability (calibration) diagram.
pub const CALIBRATION_BINS: usize = 20;

/// For every predicted probability (4 per position), which of 20 equal bins it falls in,
/// and whether that base was the reference: predicted against observed frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub n: [u64; CALIBRATION_BINS],
    pub hits: [u64; CALIBRATION_BINS],
    pub sum_p: [f64; CALIBRATION_BINS],
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            n: [0; CALIBRATION_BINS],
            hits: [0; CALIBRATION_BINS],
            sum_p: [0.0; CALIBRATION_BINS],
        }
    }
}

impl Calibration {
    #[inline]
    pub fn add(&mut self, reference: usize, p: &Probs) {
        for (b, &x) in p.iter().enumerate() {
            let bin = ((x * CALIBRATION_BINS as f32) as usize).min(CALIBRATION_BINS - 1);
            self.n[bin] += 1;
            self.hits[bin] += (b == reference) as u64;
            self.sum_p[bin] += x as f64;
        }
    }

    pub fn merge(&mut self, o: &Calibration) {
        for i in 0..CALIBRATION_BINS {
            self.n[i] += o.n[i];
            self.hits[i] += o.hits[i];
            self.sum_p[i] += o.sum_p[i];
        }
    }

    /// `calibration.parquet`: bin_low, bin_high, n, hits (the base was the reference),
    /// mean_p, observed (hits / n).
    pub fn write(&self, dest: &Path, meta: &Metadata) -> Result<()> {
        let w = 1.0 / CALIBRATION_BINS as f64;
        let bins: Vec<usize> = (0..CALIBRATION_BINS).collect();
        let mut df = DataFrame::new(
            CALIBRATION_BINS,
            vec![
                Column::new(
                    "bin_low".into(),
                    bins.iter().map(|&i| i as f64 * w).collect::<Vec<_>>(),
                ),
                Column::new(
                    "bin_high".into(),
                    bins.iter().map(|&i| (i + 1) as f64 * w).collect::<Vec<_>>(),
                ),
                Column::new("n".into(), self.n.to_vec()),
                Column::new("hits".into(), self.hits.to_vec()),
                Column::new(
                    "mean_p".into(),
                    bins.iter()
                        .map(|&i| (self.n[i] > 0).then(|| self.sum_p[i] / self.n[i] as f64))
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "observed".into(),
                    bins.iter()
                        .map(|&i| (self.n[i] > 0).then(|| self.hits[i] as f64 / self.n[i] as f64))
                        .collect::<Vec<_>>(),
                ),
            ],
        )
        .map_err(|e| Error::parquet(dest, e))?;
        pq::write(dest, &mut df, meta)
    }

    /// Reads a `calibration.parquet`.
    pub fn read(path: &Path) -> Result<Calibration> {
        let (df, _) = pq::read(path, &["n", "hits", "mean_p"])?;
        if df.height() != CALIBRATION_BINS {
            return Err(Error::invalid(
                path,
                format!("has {} bins, expected {CALIBRATION_BINS}", df.height()),
            ));
        }
        let n = pq::column(path, &df, "n", &DataType::UInt64)?;
        let hits = pq::column(path, &df, "hits", &DataType::UInt64)?;
        let mean = pq::column(path, &df, "mean_p", &DataType::Float64)?;
        let (n, hits, mean) = (
            n.u64().map_err(|e| Error::parquet(path, e))?,
            hits.u64().map_err(|e| Error::parquet(path, e))?,
            mean.f64().map_err(|e| Error::parquet(path, e))?,
        );
        let mut c = Calibration::default();
        for i in 0..CALIBRATION_BINS {
            c.n[i] = n.get(i).unwrap_or(0);
            c.hits[i] = hits.get(i).unwrap_or(0);
            c.sum_p[i] = mean.get(i).unwrap_or(0.0) * c.n[i] as f64;
        }
        Ok(c)
    }
}

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
        let mut table = MetricsTable::default();
        for i in 0..df.height() {
            let (Some(c), Some(cl)) = (chrom.get(i), class.get(i)) else {
                return Err(Error::invalid(
                    path,
                    format!("row {}: null chrom or class", i + 1),
                ));
            };
            if c == "all" {
                continue;
            }
            if table.chroms.last().is_none_or(|(name, _)| name != c) {
                table.chroms.push((c.to_string(), Sums::default()));
            }
            // a class that is not built in is an annotation class (score-genome --classes)
            if !CLASSES.contains(&cl) && !table.labels.iter().any(|l| l == cl) {
                table.labels.push(cl.to_string());
            }
            let labels = &table.labels;
            let s = table
                .chroms
                .last_mut()
                .map(|x| &mut x.1)
                .ok_or_else(|| Error::invalid(path, "empty"))?
                .class_mut(cl, labels)
                .ok_or_else(|| {
                    Error::invalid(path, format!("row {}: unknown class '{cl}'", i + 1))
                })?;
            s.n = n.get(i).unwrap_or(0);
            s.bits = bits.get(i).unwrap_or(0.0) * s.n as f64;
            for t in 0..4 {
                for p in 0..4 {
                    s.confusion[t][p] = conf[t * 4 + p].get(i).unwrap_or(0);
                }
            }
            s.correct = (0..4).map(|t| s.confusion[t][t]).sum();
        }
        Ok((table, meta))
    }
}
