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
use crate::target::Target;
use crate::{Error, Result};

mod calibration;
mod read;

pub use calibration::{CALIBRATION_BINS, Calibration};

/// Position classes reported.
pub use crate::regions::CLASSES;

/// Sums of a two-class target.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BinarySums {
    pub correct: u64,
    pub bits: f64,
}

impl BinarySums {
    /// Adds a position whose class is `target`'s of `reference`, the classes' probabilities
    /// summed from the bases' (the first class on a tie, as for bases).
    #[inline]
    fn add(&mut self, target: Target, reference: usize, p: &Probs) {
        let Some(of) = target.grouping() else { return };
        let mut q = [0f64; 2];
        for b in 0..4 {
            q[of[b]] += p[b] as f64;
        }
        let pred = usize::from(q[1] > q[0]);
        let truth = of[reference];
        self.correct += (pred == truth) as u64;
        self.bits -= q[truth].log2();
    }

    fn merge(&mut self, o: &BinarySums) {
        self.correct += o.correct;
        self.bits += o.bits;
    }
}

/// Sums for one class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassSums {
    pub n: u64,
    pub correct: u64,
    pub bits: f64,
    pub confusion: [[u64; 4]; 4],
    /// The base pair (A:T against C:G), from the summed probabilities.
    pub pair: BinarySums,
    /// The base type (purine against pyrimidine), from the summed probabilities.
    pub kind: BinarySums,
}

impl ClassSums {
    pub fn add(&mut self, reference: usize, p: &Probs) {
        let pred = argmax(p);
        self.n += 1;
        self.correct += (pred == reference) as u64;
        self.bits -= (p[reference] as f64).log2();
        self.confusion[reference][pred] += 1;
        self.pair.add(Target::Pair, reference, p);
        self.kind.add(Target::Type, reference, p);
    }

    /// Hits and bits of `target`.
    pub fn target(&self, target: Target) -> (u64, f64) {
        match target {
            Target::Pair => (self.pair.correct, self.pair.bits),
            Target::Type => (self.kind.correct, self.kind.bits),
            _ => (self.correct, self.bits),
        }
    }

    /// Accuracy of `target`.
    pub fn accuracy_of(&self, target: Target) -> f64 {
        self.target(target).0 as f64 / self.n as f64
    }

    /// Mean bits of `target`.
    pub fn bits_of(&self, target: Target) -> f64 {
        self.target(target).1 / self.n as f64
    }

    pub fn merge(&mut self, o: &ClassSums) {
        self.n += o.n;
        self.correct += o.correct;
        self.bits += o.bits;
        self.pair.merge(&o.pair);
        self.kind.merge(&o.kind);
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
    /// What the model predicts: the base (rows for the base, its pair and its type, the
    /// latter two from summed probabilities), or only its pair or type (two-class models,
    /// rows for that target only).
    pub target: Target,
}

impl MetricsTable {
    pub fn add_chrom(&mut self, chrom: &str, sums: Sums) {
        self.chroms.push((chrom.to_string(), sums));
    }

    /// Adds `other`'s chromosomes, their annotation classes matched by name: a class one
    /// table lacks has no positions on that table's chromosomes (a job's copy bands differ
    /// from another's; see [`crate::markov::CopyBand`]).
    pub fn append(&mut self, other: MetricsTable) {
        for l in &other.labels {
            if !self.labels.contains(l) {
                self.labels.push(l.clone());
            }
        }
        let n = self.labels.len();
        for (_, sums) in &mut self.chroms {
            sums.labels.resize(n, ClassSums::default());
        }
        let position = |l: &String| self.labels.iter().position(|x| x == l);
        let at: Vec<usize> = (other.labels.iter())
            .map(|l| position(l).expect("added above"))
            .collect();
        for (chrom, sums) in other.chroms {
            let mut moved = Sums {
                labels: vec![ClassSums::default(); n],
                ..sums
            };
            for (i, c) in sums.labels.iter().enumerate() {
                moved.labels[at[i]] = *c;
            }
            self.chroms.push((chrom, moved));
        }
    }

    pub fn overall(&self) -> Sums {
        let mut all = Sums::default();
        for (_, s) in &self.chroms {
            all.merge(s);
        }
        all
    }

    /// The targets the table has rows for: a base model's three, or a two-class model's one.
    pub fn targets(&self) -> &'static [Target] {
        match self.target {
            Target::Pair => &[Target::Pair],
            Target::Type => &[Target::Type],
            _ => &Target::OF_BASES,
        }
    }

    /// Rows: every chromosome then `all`, each with its classes (the three built-in ones,
    /// then the annotation classes), for the base; then the same for the pair and the type
    /// (a two-class model: for its target only).
    fn rows(&self) -> Vec<Row<'_>> {
        let overall = ("all".to_string(), self.overall());
        let mut rows = Vec::new();
        for &target in self.targets() {
            for (chrom, sums) in self.chroms.iter().chain(std::iter::once(&overall)) {
                let mut sums = sums.clone();
                sums.labels.resize(self.labels.len(), ClassSums::default());
                for (class, class_sums) in sums.classes(&self.labels) {
                    rows.push(Row {
                        chrom: chrom.clone(),
                        class,
                        target,
                        sums: *class_sums,
                    });
                }
            }
        }
        rows
    }

    /// Writes `metrics.parquet` and `metrics.tsv` style outputs.
    pub fn write(&self, parquet: &Path, tsv: &Path, meta: &Metadata) -> Result<()> {
        let rows = self.rows();
        let mut df = frame(&rows).map_err(|e| Error::parquet(parquet, e))?;
        let mut out = OutputFile::create(tsv)?;
        write_tsv(&mut out, &rows).map_err(|e| Error::io(tsv, e))?;
        pq::write(parquet, &mut df, meta)?;
        out.commit()
    }
}

/// One row of the metrics table.
struct Row<'a> {
    chrom: String,
    class: &'a str,
    target: Target,
    sums: ClassSums,
}

impl Row<'_> {
    fn accuracy(&self) -> Option<f64> {
        let (hits, _) = self.sums.target(self.target);
        (self.sums.n > 0).then(|| hits as f64 / self.sums.n as f64)
    }

    fn bits(&self) -> Option<f64> {
        let (_, bits) = self.sums.target(self.target);
        (self.sums.n > 0).then(|| bits / self.sums.n as f64)
    }
}

pub(super) fn conf_name(t: usize, p: usize) -> String {
    let b = b"ACGT";
    format!("conf_{}{}", b[t] as char, b[p] as char)
}

/// The metrics table's columns: chrom, class, n, accuracy, bits, the confusion counts
/// (base targets only), target.
fn frame(rows: &[Row]) -> PolarsResult<DataFrame> {
    let chrom: Vec<&str> = rows.iter().map(|r| r.chrom.as_str()).collect();
    let class: Vec<&str> = rows.iter().map(|r| r.class).collect();
    let n: Vec<u64> = rows.iter().map(|r| r.sums.n).collect();
    let accuracy: Vec<Option<f64>> = rows.iter().map(Row::accuracy).collect();
    let bits: Vec<Option<f64>> = rows.iter().map(Row::bits).collect();
    let mut cols = vec![
        Column::new("chrom".into(), chrom),
        Column::new("class".into(), class),
        Column::new("n".into(), n),
        Column::new("accuracy".into(), accuracy),
        Column::new("bits".into(), bits),
    ];
    cols.extend(confusion_columns(rows));
    let target: Vec<&str> = rows.iter().map(|r| r.target.name()).collect();
    cols.push(Column::new("target".into(), target));
    DataFrame::new(rows.len(), cols)
}

/// The 16 confusion-count columns, conf_AA to conf_TT, null for targets other than bases.
fn confusion_columns(rows: &[Row]) -> Vec<Column> {
    let mut cols = Vec::with_capacity(16);
    for t in 0..4 {
        for p in 0..4 {
            let counts: Vec<Option<u64>> = rows
                .iter()
                .map(|r| r.target.is_base().then_some(r.sums.confusion[t][p]))
                .collect();
            cols.push(Column::new(conf_name(t, p).into(), counts));
        }
    }
    cols
}

fn write_tsv(out: &mut impl Write, rows: &[Row]) -> std::io::Result<()> {
    write!(out, "chrom\tclass\tn\taccuracy\tbits")?;
    for t in 0..4 {
        for p in 0..4 {
            write!(out, "\t{}", conf_name(t, p))?;
        }
    }
    writeln!(out, "\ttarget")?;
    for r in rows {
        write_tsv_row(out, r)?;
    }
    Ok(())
}

/// Writes one row of the metrics table as a TSV line, NA where a value is missing.
fn write_tsv_row(out: &mut impl Write, r: &Row) -> std::io::Result<()> {
    let na = |v: Option<f64>| v.map_or("NA".to_string(), |v| format!("{v:.6}"));
    write!(
        out,
        "{}\t{}\t{}\t{}\t{}",
        r.chrom,
        r.class,
        r.sums.n,
        na(r.accuracy()),
        na(r.bits())
    )?;
    for row in &r.sums.confusion {
        for n in row {
            if r.target.is_base() {
                write!(out, "\t{n}")?;
            } else {
                write!(out, "\tNA")?;
            }
        }
    }
    writeln!(out, "\t{}", r.target)
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
    fn append_matches_classes_by_name() {
        let p = [0.5, 0.25, 0.125, 0.125];
        let table = |labels: &[&str], chrom: &str| {
            let mut s = Sums::with_labels(labels.len());
            for i in 0..labels.len() {
                for _ in 0..=i {
                    s.add_label(i, 0, &p);
                }
            }
            MetricsTable {
                chroms: vec![(chrom.into(), s)],
                labels: labels.iter().map(|l| l.to_string()).collect(),
                target: Target::Base,
            }
        };
        let mut m = MetricsTable::default();
        m.append(table(&["x", "y"], "c1"));
        m.append(table(&["z", "x"], "c2"));
        assert_eq!(m.labels, ["x", "y", "z"]);
        let n = |c: usize| m.chroms[c].1.labels.iter().map(|s| s.n).collect::<Vec<_>>();
        assert_eq!(n(0), [1, 2, 0]);
        assert_eq!(n(1), [2, 0, 1]);
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
            ..MetricsTable::default()
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
        assert_eq!(text.lines().count(), 1 + 3 * 3 * 5); // 3 targets x (2 chroms + all) x 5 classes
        assert!(text.contains("all\tpromoter\t2\t0.000000"));
        assert!(text.lines().last().unwrap().ends_with("\ttype"));
    }

    /// A 4-way prediction's pair and type probabilities are sums of its bases'.
    #[test]
    fn pair_and_type_sum_the_bases() {
        let p = [0.125, 0.25, 0.25, 0.375]; // exact in f32: the tie below is a tie
        let mut s = ClassSums::default();
        s.add(0, &p); // A: pair A:T 0.5 against C:G 0.5 (a tie: A:T), type purine 0.375
        assert_eq!((s.pair.correct, s.kind.correct, s.correct), (1, 0, 0));
        assert!((s.pair.bits - 1.0).abs() < 1e-9);
        assert!((s.kind.bits + 0.375f64.log2()).abs() < 1e-9);
        s.add(3, &p); // T: pair A:T 0.5, type pyrimidine 0.625 (predicted), base T (predicted)
        assert_eq!((s.pair.correct, s.kind.correct, s.correct), (2, 1, 1));
        assert!((s.kind.bits + 0.375f64.log2() + 0.625f64.log2()).abs() < 1e-9);
        let mut t = MetricsTable::default();
        let mut sums = Sums::default();
        sums.add(0, &p, false);
        sums.add(3, &p, true);
        t.add_chrom("c", sums);
        let dir = tempfile::tempdir().unwrap();
        let (pq_path, tsv) = (dir.path().join("m.parquet"), dir.path().join("m.tsv"));
        t.write(&pq_path, &tsv, &Metadata::new()).unwrap();
        let (back, _) = MetricsTable::read(&pq_path).unwrap();
        let (a, b) = (&back.chroms[0].1.all, &t.chroms[0].1.all);
        assert_eq!(
            (a.pair.correct, a.kind.correct),
            (b.pair.correct, b.kind.correct)
        );
        assert!(
            (a.pair.bits - b.pair.bits).abs() < 1e-9 && (a.kind.bits - b.kind.bits).abs() < 1e-9
        );
    }
    /// A two-class model's table: rows of its target only, read back as that target.
    #[test]
    fn a_two_class_table_round_trips() {
        let p = Target::Pair.spread(&[0.75, 0.25]);
        let mut sums = Sums::default();
        sums.add(0, &p, false); // A: pair A:T, predicted
        sums.add(1, &p, true); // C: pair C:G, missed
        let t = MetricsTable {
            chroms: vec![("c".into(), sums)],
            target: Target::Pair,
            ..MetricsTable::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let (pq_path, tsv) = (dir.path().join("m.parquet"), dir.path().join("m.tsv"));
        t.write(&pq_path, &tsv, &Metadata::new()).unwrap();
        let text = std::fs::read_to_string(&tsv).unwrap();
        assert_eq!(text.lines().count(), 1 + 2 * 3);
        assert!(
            text.lines().skip(1).all(|l| l.ends_with("\tpair")),
            "{text}"
        );
        assert!(text.contains("all\tall\t2\t0.500000"), "{text}");
        let (back, _) = MetricsTable::read(&pq_path).unwrap();
        assert_eq!(back.target, Target::Pair);
        let (a, b) = (&back.chroms[0].1, &t.chroms[0].1);
        for (x, y) in [
            (&a.all, &b.all),
            (&a.repeat, &b.repeat),
            (&a.non_repeat, &b.non_repeat),
        ] {
            assert_eq!((x.n, x.pair.correct), (y.n, y.pair.correct));
            assert!((x.pair.bits - y.pair.bits).abs() < 1e-9);
        }
    }
}
