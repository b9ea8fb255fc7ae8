//! `score-genome`: per-base predictions as bigWig tracks, and accuracy tables.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::{Genome, encode};
use crate::io::parquet::Metadata;
use crate::kmer::{KmerModel, KmerSettings, table};
use crate::metrics::{Calibration, MetricsTable, Sums};
use crate::predict::{self, Predictor, Probs};
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
    /// The model: a k-mer count table (.parquet) from count-kmers, or a model folder from
    /// train-model (told apart by what the path is).
    #[arg(short, long)]
    pub model: PathBuf,
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
    /// Device for neural models: auto (CUDA when available), cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Average each prediction with the reverse complement's.
    #[arg(long)]
    pub rc_average: bool,
    /// Pseudocount per base for the k-mer model [default: 4 with backoff (the best bits and
    /// accuracy on the demo genome for k = 5), 1 without].
    #[arg(long)]
    pub pseudocount: Option<f64>,
    /// No backoff: score only positions whose whole (2k+1)-window is A/C/G/T, unseen
    /// contexts uniform.
    #[arg(long)]
    pub no_backoff: bool,
    /// Memory budget for dense model tables, GiB.
    #[arg(long, default_value_t = 4.0)]
    pub memory_gb: f64,
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
    let pseudocount = args
        .pseudocount
        .unwrap_or(if args.no_backoff { 1.0 } else { 4.0 });
    if pseudocount <= 0.0 || pseudocount.is_nan() {
        bail!("--pseudocount must be above 0, got {pseudocount}");
    }
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
    let (model, model_meta) = load_model(&args, pseudocount)?;
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
    // Tracks first (they may still fail), then the metrics; the tracks move into place last.
    let finished = tracks.finish()?;
    calibration.write(&args.out_dir.join("calibration.parquet"), &meta)?;
    metrics.write(
        &args.out_dir.join("metrics.parquet"),
        &args.out_dir.join("metrics.tsv"),
        &meta,
    )?;
    for track in finished {
        track.commit()?;
    }
    let all = metrics.overall().0[0];
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

/// A model, told apart by what the path holds.
fn load_model(args: &Args, pseudocount: f64) -> Result<(Box<dyn Predictor>, Metadata)> {
    let path: &Path = &args.model;
    if path.is_dir() {
        return load_neural(args);
    }
    let budget = (args.memory_gb * (1u64 << 30) as f64) as u64;
    let (counts, cmeta) = table::read_counts(path, budget)?;
    let settings = KmerSettings {
        pseudocount,
        backoff: !args.no_backoff,
        budget_bytes: budget,
        keep_counts: false,
    };
    let model = KmerModel::new(counts, settings);
    let mut meta = Metadata::new();
    meta.insert("dnactx.model".into(), crate::io::file_name(path));
    meta.insert("dnactx.model_kind".into(), "kmer".into());
    meta.insert("dnactx.k".into(), cmeta.k.to_string());
    meta.insert("dnactx.strands".into(), cmeta.strands.as_str().into());
    meta.insert("dnactx.pseudocount".into(), pseudocount.to_string());
    meta.insert("dnactx.backoff".into(), settings.backoff.to_string());
    Ok((Box::new(model), meta))
}

/// A neural model folder from train-model.
#[cfg(feature = "torch")]
fn load_neural(args: &Args) -> Result<(Box<dyn Predictor>, Metadata)> {
    use crate::nn::{NeuralModel, device};
    if args.common.threads > 0 {
        tch::set_num_threads(args.common.threads as i32);
    }
    let dev = device::parse_device(&args.device)?;
    let model = NeuralModel::load(&args.model, dev)?;
    let c = &model.config;
    let mut meta = Metadata::new();
    meta.insert("dnactx.model".into(), crate::io::file_name(&args.model));
    meta.insert("dnactx.model_kind".into(), c.model.name().into());
    meta.insert("dnactx.field".into(), c.field.to_string());
    meta.insert("dnactx.parameters".into(), c.parameters.to_string());
    meta.insert("dnactx.device".into(), device::device_name(dev));
    meta.insert(
        "dnactx.trained_on".into(),
        format!("{} {}", c.data.genome, c.data.genome_checksum),
    );
    Ok((Box::new(model), meta))
}

#[cfg(not(feature = "torch"))]
fn load_neural(args: &Args) -> Result<(Box<dyn Predictor>, Metadata)> {
    bail!(
        "{}: is a model folder, but this build of dnactx has no neural models: rebuild with `cargo build --release --features torch` (scripts/setup.sh does)",
        args.model.display()
    )
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
