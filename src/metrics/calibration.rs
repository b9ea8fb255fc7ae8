//! The reliability (calibration) diagram's bins: predicted probability against observed
//! frequency, `calibration.parquet`.

use std::path::Path;

use polars::prelude::*;

use crate::io::parquet::{self as pq, Metadata};
use crate::{Error, Result};

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
    /// Adds a prediction `p` of the classes (4 bases, or 2 classes), `reference` the true one.
    #[inline]
    pub fn add(&mut self, reference: usize, p: &[f32]) {
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
        let bins = 0..CALIBRATION_BINS;
        let per_bin = |f: &dyn Fn(usize) -> Option<f64>| bins.clone().map(f).collect::<Vec<_>>();
        let share = |x: f64, i: usize| (self.n[i] > 0).then(|| x / self.n[i] as f64);
        let edge = |at: usize| at as f64 * w;
        let cols = vec![
            Column::new("bin_low".into(), bins.clone().map(edge).collect::<Vec<_>>()),
            Column::new(
                "bin_high".into(),
                bins.clone().map(|i| edge(i + 1)).collect::<Vec<_>>(),
            ),
            Column::new("n".into(), self.n.to_vec()),
            Column::new("hits".into(), self.hits.to_vec()),
            Column::new("mean_p".into(), per_bin(&|i| share(self.sum_p[i], i))),
            Column::new(
                "observed".into(),
                per_bin(&|i| share(self.hits[i] as f64, i)),
            ),
        ];
        let mut df = DataFrame::new(CALIBRATION_BINS, cols).map_err(|e| Error::parquet(dest, e))?;
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
