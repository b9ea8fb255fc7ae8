//! `explain-flanks`: how much each band of flank distances contributes to the predictions.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use polars::prelude::*;

use crate::explain::{Band, Mode, default_bands, evaluate, parse_bands};
use crate::genome::{Genome, encode};
use crate::io::OutputFile;
use crate::io::parquet as pq;
use crate::metrics::ClassSums;
use crate::predict::padded_chunk;
use crate::regions::splits::Split;
use crate::regions::{IntervalSet, bed, windows};
use crate::rng::SplitMix64;

/// Accuracy and bits per base when the flank bases at distance d from the center (or a band
/// of distances), on both sides, are shuffled or replaced by random bases.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  explain-flanks -g genome.fa.gz -m models/cnn --windows windows.parquet --split test -o flanks.parquet\n\nWrites a Parquet table and a TSV beside it (same name, .tsv)."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    /// Windows table from make-windows; positions are drawn from its --split windows.
    #[arg(long, required_unless_present = "regions", conflicts_with = "regions")]
    pub windows: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// BED of regions to draw positions from instead of windows.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: Option<PathBuf>,
    /// Positions drawn (uniformly, seeded); those whose base is unknown are left out.
    #[arg(long, default_value_t = 20_000)]
    pub positions: usize,
    /// Bands of distances, e.g. `1,2,3,6-10,11-50` [default: 1..5, 6-10, 11-20, 21-50, ...
    /// up to the model's flank].
    #[arg(long)]
    pub bands: Option<String>,
    /// Disturbances to apply.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Mode::Shuffle, Mode::Random])]
    pub modes: Vec<Mode>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output Parquet table (a TSV is written beside it).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    crate::io::refuse_stdout(
        &args.output,
        "explain-flanks writes a Parquet table and a TSV beside it",
    )?;
    let inputs = [&args.genome, &args.model.path]
        .into_iter()
        .chain(&args.windows)
        .chain(&args.regions);
    crate::io::refuse_overwrite(inputs, [&args.output])?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let regions: HashMap<String, IntervalSet> = match (&args.windows, &args.regions) {
        (Some(w), _) => windows::split_regions(w, &genome, args.split)?,
        (None, Some(r)) => bed::read_sets(r, &genome)?.into_iter().collect(),
        (None, None) => bail!("give --windows or --regions"),
    };
    let (model, mut meta) = args.model.load(&args.common, &genome)?;
    crate::models::require_base(model.as_ref(), &args.model.path, "explain-flanks")?;
    let flank = model.flank();
    let bands = match &args.bands {
        Some(b) => parse_bands(b).map_err(anyhow::Error::msg)?,
        None => default_bands(flank),
    };
    if let Some(b) = bands.iter().find(|b| b.start > flank) {
        bail!(
            "band {}-{} lies beyond the model's flank ({flank})",
            b.start,
            b.end
        );
    }
    let windows = draw_windows(&genome, &regions, args.positions, args.seed, flank)?;
    if windows.is_empty() {
        bail!("no position with a known base in the regions");
    }
    let pb = crate::progress::bar(
        (1 + bands.len() * args.modes.len()) as u64,
        "explain-flanks",
        args.common.quiet,
    );
    let base = evaluate(model.as_ref(), &windows, None, args.seed)?;
    pb.inc(1);
    let mut rows: Vec<(&'static str, Band, ClassSums)> =
        vec![("none", Band { start: 0, end: 0 }, base)];
    for (i, &band) in bands.iter().enumerate() {
        for (j, &mode) in args.modes.iter().enumerate() {
            if mode == Mode::Shuffle && band.start >= band.end.min(flank) {
                continue; // one base a side: a shuffle would leave it as it is
            }
            let seed = args.seed ^ ((i * 16 + j + 1) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            rows.push((
                mode.as_str(),
                band,
                evaluate(model.as_ref(), &windows, Some((band, mode)), seed)?,
            ));
            pb.inc(1);
        }
    }
    pb.finish_and_clear();
    meta.insert("dnactx.kind".into(), "flank_contributions".into());
    meta.insert("dnactx.positions".into(), windows.len().to_string());
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    write(&args.output, &rows, &meta)
}

/// Windows of 2F+1 bases around positions drawn uniformly from the regions.
fn draw_windows(
    genome: &Genome,
    regions: &HashMap<String, IntervalSet>,
    n: usize,
    seed: u64,
    flank: usize,
) -> Result<Vec<Vec<u8>>> {
    let order: Vec<String> = genome
        .names()
        .into_iter()
        .filter(|c| regions.contains_key(c))
        .collect();
    let total: u64 = order.iter().map(|c| regions[c].covered()).sum();
    if total == 0 {
        return Ok(Vec::new());
    }
    let mut rng = SplitMix64(seed);
    let mut offsets: Vec<u64> = (0..n).map(|_| rng.below(total)).collect();
    offsets.sort_unstable();
    let mut out = Vec::with_capacity(n);
    let mut base = 0u64;
    let mut next = 0;
    genome.visit(&order, |contig, seq| {
        let set = &regions[&contig.name];
        let span = set.covered();
        while next < offsets.len() && offsets[next] < base + span {
            let mut x = offsets[next] - base;
            for &(s, e) in set.intervals() {
                if x < e - s {
                    let pos = (s + x) as usize;
                    if encode::is_acgt(seq.codes()[pos]) {
                        out.push(padded_chunk(seq.codes(), pos, pos + 1, flank));
                    }
                    break;
                }
                x -= e - s;
            }
            next += 1;
        }
        base += span;
        Ok(())
    })?;
    Ok(out)
}

/// Parquet and TSV: mode (`none` for the undisturbed baseline), band_start, band_end, n,
/// accuracy, bits, delta_accuracy, delta_bits (against the baseline).
fn write(
    dest: &std::path::Path,
    rows: &[(&'static str, Band, ClassSums)],
    meta: &pq::Metadata,
) -> Result<()> {
    let base = rows[0].2;
    let col = |f: &dyn Fn(&ClassSums) -> f64| rows.iter().map(|r| f(&r.2)).collect::<Vec<f64>>();
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new("mode".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new(
                "band_start".into(),
                rows.iter().map(|r| r.1.start as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                "band_end".into(),
                rows.iter().map(|r| r.1.end as u64).collect::<Vec<_>>(),
            ),
            Column::new("n".into(), rows.iter().map(|r| r.2.n).collect::<Vec<_>>()),
            Column::new("accuracy".into(), col(&|s| s.accuracy())),
            Column::new("bits".into(), col(&|s| s.mean_bits())),
            Column::new(
                "delta_accuracy".into(),
                col(&|s| s.accuracy() - base.accuracy()),
            ),
            Column::new(
                "delta_bits".into(),
                col(&|s| s.mean_bits() - base.mean_bits()),
            ),
        ],
    )
    .map_err(|e| crate::Error::parquet(dest, e))?;
    let tsv_path = dest.with_extension("tsv");
    let mut tsv = OutputFile::create(&tsv_path)?;
    writeln!(
        tsv,
        "mode\tband_start\tband_end\tn\taccuracy\tbits\tdelta_accuracy\tdelta_bits"
    )?;
    for (mode, band, s) in rows {
        writeln!(
            tsv,
            "{mode}\t{}\t{}\t{}\t{:.6}\t{:.6}\t{:.6}\t{:.6}",
            band.start,
            band.end,
            s.n,
            s.accuracy(),
            s.mean_bits(),
            s.accuracy() - base.accuracy(),
            s.mean_bits() - base.mean_bits()
        )?;
    }
    pq::write(dest, &mut df, meta)?;
    tsv.commit()?;
    Ok(())
}
