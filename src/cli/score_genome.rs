//! `score-genome`: per-base predictions as bigWig tracks, and accuracy tables.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::{Genome, encode};
use crate::metrics::{Calibration, MetricsTable, Sums};
use crate::predict::{self, Probs};
use crate::regions::splits::Split;
use crate::regions::{IntervalSet, bed, windows};
use crate::tracks::TrackSet;

/// Predict A/C/G/T at every base of a split's windows (or of a BED of regions); write
/// bigWig tracks and a metrics table.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  score-genome -g genome.fa.gz --model kmers.parquet --windows windows.parquet --split test \\\n      --repeats repeats.bed --out-dir results/scores/kmer5\n\nWrites p_ref.bw and entropy.bw (and p_A..p_T.bw with --tracks), metrics.parquet, metrics.tsv\nand calibration.parquet."
)]
pub struct Args {
    /// Genome FASTA (plain, gzip or bgzip).
    #[arg(short, long)]
    pub genome: PathBuf,
    /// Windows table from make-windows; its --split windows are scored.
    #[arg(long, required_unless_present = "regions", conflicts_with = "regions")]
    pub windows: Option<PathBuf>,
    /// Split to score.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// BED of regions to score instead of windows.
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    /// Repeat BED (from mask-repeats) for the repeat/non-repeat metrics; soft-masked bases
    /// count as repeats without it.
    #[arg(long)]
    pub repeats: Option<PathBuf>,
    /// Output folder for tracks and metrics (created if missing).
    #[arg(short, long)]
    pub out_dir: PathBuf,
    /// Also write p_A, p_C, p_G and p_T tracks.
    #[arg(long)]
    pub tracks: bool,
    /// Average each prediction with the reverse complement's.
    #[arg(long)]
    pub rc_average: bool,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    #[command(flatten)]
    pub common: super::Common,
}

/// Names of the tracks, in the order values are produced.
fn track_names(all: bool) -> Vec<&'static str> {
    let mut t = vec!["p_ref", "entropy"];
    if all {
        t.extend(["p_A", "p_C", "p_G", "p_T"]);
    }
    t
}

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let chroms = super::flatten_list(&args.chroms);
    genome.check_names(chroms.iter().map(String::as_str), "--chrom")?;
    let mut regions = match (&args.windows, &args.regions) {
        (Some(w), _) => windows::split_regions(w, &genome, args.split)?,
        (None, Some(r)) => bed::read_sets(r, &genome)?.into_iter().collect(),
        (None, None) => bail!("give --windows or --regions"),
    };
    if !chroms.is_empty() {
        regions.retain(|c, _| chroms.contains(c));
    }
    if regions.is_empty() {
        bail!("nothing to score: no regions on the chosen chromosomes");
    }
    let repeats = match &args.repeats {
        Some(p) => Some(bed::read_sets(p, &genome)?),
        None => None,
    };
    let (model, model_meta) = args.model.load(&args.common)?;
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating output folder {}", args.out_dir.display()))?;

    let names = track_names(args.tracks);
    let dests: Vec<PathBuf> = names
        .iter()
        .map(|n| args.out_dir.join(format!("{n}.bw")))
        .collect();
    let contigs: Vec<(String, u64)> = genome
        .contigs()
        .iter()
        .filter(|c| regions.contains_key(&c.name))
        .map(|c| (c.name.clone(), c.len as u64))
        .collect();
    let mut tracks = TrackSet::create(&dests, &contigs)?;
    let mut metrics = MetricsTable::default();
    let mut calibration = Calibration::default();
    let total: u64 = regions.values().map(IntervalSet::covered).sum();
    let pb = crate::progress::bar(total, "score-genome", args.common.quiet);
    let order: Vec<String> = contigs.iter().map(|c| c.0.clone()).collect();
    genome.visit(&order, |contig, seq| {
        let set = &regions[&contig.name];
        let rep = repeats
            .as_ref()
            .map(|r| r.get(&contig.name).cloned().unwrap_or_default());
        tracks.start_chrom(&contig.name)?;
        let mut sums = Sums::default();
        let codes = seq.codes();
        predict::score_regions(
            model.as_ref(),
            codes,
            set,
            args.rc_average,
            |start, probs| summarize(codes, start, probs, rep.as_ref(), args.tracks),
            |chunk| {
                sums.merge(&chunk.sums);
                calibration.merge(&chunk.calibration);
                pb.inc(chunk.values[0].len() as u64);
                tracks.push(chunk.start, &chunk.values)
            },
        )?;
        metrics.add_chrom(&contig.name, sums);
        Ok(())
    })?;
    pb.finish_and_clear();
    let mut meta = model_meta;
    meta.insert("dnactx.kind".into(), "metrics".into());
    meta.insert("dnactx.genome".into(), crate::io::file_name(&args.genome));
    meta.insert(
        "dnactx.regions".into(),
        match (&args.windows, &args.regions) {
            (Some(w), _) => format!("{} split={}", w.display(), args.split),
            (_, Some(r)) => r.display().to_string(),
            _ => String::new(),
        },
    );
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    write_folder(&args.out_dir, tracks, &calibration, &metrics, &meta)?;
    let all = metrics.overall().all;
    if !args.common.quiet {
        eprintln!(
            "scored {} positions: accuracy {:.4}, {:.4} bits/base ({})",
            all.n,
            all.accuracy(),
            all.mean_bits(),
            model.describe()
        );
    }
    Ok(())
}

/// One scored chunk: its track values and metric sums.
struct Chunk {
    start: u64,
    values: Vec<Vec<f32>>,
    sums: Sums,
    calibration: Calibration,
}

fn summarize(
    codes: &[u8],
    start: u64,
    probs: &[Probs],
    repeats: Option<&IntervalSet>,
    all_tracks: bool,
) -> Chunk {
    let n = probs.len();
    let n_tracks = if all_tracks { 6 } else { 2 };
    let mut values = vec![Vec::with_capacity(n); n_tracks];
    let repeat_mask = repeats.map(|r| r.mask_range(start, n));
    let mut sums = Sums::default();
    let mut calibration = Calibration::default();
    for (i, p) in probs.iter().enumerate() {
        let code = codes[start as usize + i];
        if p[0].is_nan() || !encode::is_acgt(code) {
            for v in values.iter_mut() {
                v.push(f32::NAN);
            }
            continue;
        }
        let reference = encode::base(code) as usize;
        let repeat = match &repeat_mask {
            Some(m) => m[i],
            None => encode::is_soft(code),
        };
        sums.add(reference, p, repeat);
        calibration.add(reference, p);
        values[0].push(p[reference]);
        values[1].push(predict::entropy_bits(p));
        if all_tracks {
            for b in 0..4 {
                values[2 + b].push(p[b]);
            }
        }
    }
    Chunk {
        start,
        values,
        sums,
        calibration,
    }
}

/// Writes a score folder: the tracks first (they may still fail), then calibration.parquet
/// and metrics.{parquet,tsv}; the tracks move into place last. Shared with merge-scores.
pub(crate) fn write_folder(
    dir: &std::path::Path,
    tracks: TrackSet,
    calibration: &Calibration,
    metrics: &MetricsTable,
    meta: &crate::io::parquet::Metadata,
) -> Result<()> {
    let finished = tracks.finish()?;
    calibration.write(&dir.join("calibration.parquet"), meta)?;
    metrics.write(&dir.join("metrics.parquet"), &dir.join("metrics.tsv"), meta)?;
    for track in finished {
        track.commit()?;
    }
    Ok(())
}
