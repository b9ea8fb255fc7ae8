//! explain-flanks' work: positions drawn from regions, each band and disturbance evaluated
//! against the undisturbed baseline, and the table of their contributions.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use super::{Band, Mode, default_bands, evaluate, parse_bands};
use crate::genome::{Genome, encode};
use crate::io::OutputFile;
use crate::io::parquet as pq;
use crate::metrics::ClassSums;
use crate::predict::{Predictor, padded_chunk};
use crate::regions::IntervalSet;
use crate::rng::SplitMix64;
use crate::{Error, Result};

/// What to explain: a model's predictions at positions drawn from regions of a genome.
pub struct ExplainRequest<'a> {
    pub genome: &'a Genome,
    pub regions: &'a HashMap<String, IntervalSet>,
    pub model: &'a dyn Predictor,
    /// Bands as `--bands` gives them (`1,2,6-10`); the default bands up to the model's flank
    /// when `None`.
    pub bands: Option<&'a str>,
    pub modes: &'a [Mode],
    /// Positions drawn (uniformly, seeded); those whose base is unknown are left out.
    pub positions: usize,
    pub seed: u64,
    pub quiet: bool,
}

/// One row of the table: a disturbance (`none` for the baseline) of a band, and the sums
/// of the predictions made with it.
pub struct Contribution {
    pub mode: &'static str,
    pub band: Band,
    pub sums: ClassSums,
}

/// The baseline and each band under each disturbance (a shuffle of one base a side is
/// left out: it would leave the base as it is), and the number of positions evaluated.
pub fn contributions(req: &ExplainRequest) -> Result<(Vec<Contribution>, usize)> {
    let flank = req.model.flank();
    let bands = bands_within(req.bands, flank)?;
    let windows = sample_windows(req, flank)?;
    let steps = (1 + bands.len() * req.modes.len()) as u64;
    let pb = crate::progress::bar(steps, "explain-flanks", req.quiet);
    let base = evaluate(req.model, &windows, None, req.seed)?;
    pb.inc(1);
    let mut rows = vec![Contribution::baseline(base)];
    for (i, &band) in bands.iter().enumerate() {
        for (j, &mode) in req.modes.iter().enumerate() {
            // a shuffle of one base a side would leave it as it is
            if mode != Mode::Shuffle || band.start < band.end.min(flank) {
                rows.push(disturbed(req, &windows, (band, mode), (i, j))?);
            }
            pb.inc(1);
        }
    }
    pb.finish_and_clear();
    Ok((rows, windows.len()))
}

impl Contribution {
    /// The row of the undisturbed predictions' `sums`.
    fn baseline(sums: ClassSums) -> Contribution {
        Contribution {
            mode: "none",
            band: Band { start: 0, end: 0 },
            sums,
        }
    }
}

/// The request's windows (see [`draw_windows`]), an error when there are none.
fn sample_windows(req: &ExplainRequest, flank: usize) -> Result<Vec<Vec<u8>>> {
    let windows = draw_windows(req.genome, req.regions, req.positions, req.seed, flank)?;
    if windows.is_empty() {
        return Err(Error::Nothing(
            "no position with a known base in the regions".into(),
        ));
    }
    Ok(windows)
}

/// The sums of the predictions on `windows` with `band` disturbed by `mode`, seeded by the
/// request's seed and the pair's place `(band, mode)` among them.
fn disturbed(
    req: &ExplainRequest,
    windows: &[Vec<u8>],
    (band, mode): (Band, Mode),
    (i, j): (usize, usize),
) -> Result<Contribution> {
    let seed = req.seed ^ ((i * 16 + j + 1) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let sums = evaluate(req.model, windows, Some((band, mode)), seed)?;
    Ok(Contribution {
        mode: mode.as_str(),
        band,
        sums,
    })
}

/// The bands `--bands` gives (the default bands without it), each within the model's
/// `flank`.
fn bands_within(bands: Option<&str>, flank: usize) -> Result<Vec<Band>> {
    let bands = match bands {
        Some(b) => parse_bands(b)?,
        None => default_bands(flank),
    };
    if let Some(b) = bands.iter().find(|b| b.start > flank) {
        return Err(Error::config(
            "--bands",
            format!(
                "--bands: band {}-{} lies beyond the model's flank ({flank})",
                b.start, b.end
            ),
        ));
    }
    Ok(bands)
}

/// Windows of 2F+1 bases around `n` positions drawn uniformly from the regions (those
/// whose base is unknown left out).
fn draw_windows(
    genome: &Genome,
    regions: &HashMap<String, IntervalSet>,
    n: usize,
    seed: u64,
    flank: usize,
) -> Result<Vec<Vec<u8>>> {
    let order = crate::regions::windows::in_genome_order(genome, regions);
    let total: u64 = order.iter().map(|c| regions[c].covered()).sum();
    if total == 0 {
        return Ok(Vec::new());
    }
    let mut rng = SplitMix64(seed);
    let mut offsets: Vec<u64> = (0..n).map(|_| rng.below(total)).collect();
    offsets.sort_unstable();
    let mut out = Vec::with_capacity(n);
    let (mut base, mut next) = (0u64, 0);
    genome.visit(&order, |contig, seq| {
        let set = &regions[&contig.name];
        next += push_windows(&mut out, set, seq.codes(), (&offsets[next..], base), flank);
        base += set.covered();
        Ok(())
    })?;
    Ok(out)
}

/// Pushes onto `out` the windows around the covered bases of `set` that the sorted
/// `offsets` (counted from `base`) fall on, those of unknown bases left out; the number of
/// offsets taken.
fn push_windows(
    out: &mut Vec<Vec<u8>>,
    set: &IntervalSet,
    codes: &[u8],
    (offsets, base): (&[u64], u64),
    flank: usize,
) -> usize {
    let span = set.covered();
    let mut taken = 0;
    while taken < offsets.len() && offsets[taken] < base + span {
        let pos = set.nth_position(offsets[taken] - base) as usize;
        if encode::is_acgt(codes[pos]) {
            out.push(padded_chunk(codes, pos, pos + 1, flank));
        }
        taken += 1;
    }
    taken
}

/// Writes the Parquet table `dest` and a TSV beside it: mode (`none` for the undisturbed
/// baseline), band_start, band_end, n, accuracy, bits, delta_accuracy, delta_bits (against
/// the baseline).
pub fn write_table(dest: &Path, rows: &[Contribution], meta: &pq::Metadata) -> Result<()> {
    let mut df = frame(rows).map_err(|e| Error::parquet(dest, e))?;
    let tsv_path = dest.with_extension("tsv");
    let mut tsv = OutputFile::create(&tsv_path)?;
    write_tsv(&mut tsv, rows).map_err(|e| Error::io(&tsv_path, e))?;
    pq::write(dest, &mut df, meta)?;
    tsv.commit()
}

fn frame(rows: &[Contribution]) -> PolarsResult<DataFrame> {
    let col = |f: &dyn Fn(&ClassSums) -> f64| rows.iter().map(|r| f(&r.sums)).collect::<Vec<f64>>();
    let band =
        |f: &dyn Fn(&Band) -> usize| rows.iter().map(|r| f(&r.band) as u64).collect::<Vec<_>>();
    let mode: Vec<&str> = rows.iter().map(|r| r.mode).collect();
    let n: Vec<u64> = rows.iter().map(|r| r.sums.n).collect();
    let mut cols = vec![
        Column::new("mode".into(), mode),
        Column::new("band_start".into(), band(&|b| b.start)),
        Column::new("band_end".into(), band(&|b| b.end)),
        Column::new("n".into(), n),
        Column::new("accuracy".into(), col(&|s| s.accuracy())),
        Column::new("bits".into(), col(&|s| s.mean_bits())),
    ];
    cols.extend(delta_columns(rows));
    DataFrame::new(rows.len(), cols)
}

/// delta_accuracy and delta_bits: each row's accuracy and bits less the baseline's (the
/// first row's).
fn delta_columns(rows: &[Contribution]) -> [Column; 2] {
    let base = rows[0].sums;
    let delta = |f: &dyn Fn(&ClassSums) -> f64| {
        rows.iter()
            .map(|r| f(&r.sums) - f(&base))
            .collect::<Vec<f64>>()
    };
    [
        Column::new("delta_accuracy".into(), delta(&|s| s.accuracy())),
        Column::new("delta_bits".into(), delta(&|s| s.mean_bits())),
    ]
}

fn write_tsv(out: &mut impl Write, rows: &[Contribution]) -> std::io::Result<()> {
    let base = rows[0].sums;
    writeln!(
        out,
        "mode\tband_start\tband_end\tn\taccuracy\tbits\tdelta_accuracy\tdelta_bits"
    )?;
    for r in rows {
        let s = &r.sums;
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{:.6}\t{:.6}\t{:.6}\t{:.6}",
            r.mode,
            r.band.start,
            r.band.end,
            s.n,
            s.accuracy(),
            s.mean_bits(),
            s.accuracy() - base.accuracy(),
            s.mean_bits() - base.mean_bits()
        )?;
    }
    Ok(())
}
