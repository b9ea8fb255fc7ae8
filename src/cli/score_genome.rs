//! `score-genome`: per-base predictions as bigWig tracks, and accuracy tables.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::predict::Predictor;
use crate::regions::splits::Split;
use crate::regions::{IntervalSet, bed};
use crate::scores;

/// Predict A/C/G/T at every base of a split's windows (or of a BED of regions); write
/// bigWig tracks and a metrics table.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  score-genome -g genome.fa.gz --model kmers.parquet --windows windows.parquet --split test \\\n      --repeats repeats.bed -o results/scores/kmer5\n\nWrites p_ref.bw and entropy.bw (and p_A..p_T.bw with --tracks), metrics.parquet, metrics.tsv\nand calibration.parquet. With --classes exons.bed (name column: the class), metrics rows per class."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Windows table from make-windows; its --split windows are scored.
    #[arg(long, required_unless_present = "regions", conflicts_with = "regions")]
    pub windows: Option<PathBuf>,
    /// Split to score.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// BED of regions to score instead of windows.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: Option<PathBuf>,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    #[command(flatten)]
    pub job: super::JobArgs,
    /// Repeat BED (from mask-repeats) for the repeat/non-repeat metrics; soft-masked bases
    /// count as repeats without it.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub repeats: Option<PathBuf>,
    /// Annotation classes: a BED whose 4th column names each interval's class (exon, CDS,
    /// promoter, any label); each class gets metrics rows of its own beside all, repeat and
    /// non_repeat. Repeatable; a position may be in several classes.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long = "classes")]
    pub classes: Vec<PathBuf>,
    /// Output folder for tracks and metrics (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write p_A, p_C, p_G and p_T tracks.
    #[arg(long)]
    pub tracks: bool,
    /// Average each prediction with the reverse complement's.
    #[arg(long)]
    pub rc_average: bool,
    /// Print the positions scored per second and, for a neural model, the share of its time
    /// spent waiting for inputs to be prepared (the device idle for want of data).
    #[arg(long)]
    pub profile: bool,
    /// Decimals kept in the tracks' values (0 to 6), so that equal neighbours merge and the
    /// bigWigs shrink; the metrics always use the unrounded values. `full` keeps every digit
    /// of an f32. At 3 a value is off by at most 0.0005, and p_ref takes 2.8 bytes per base
    /// instead of 3.9 (docs/benchmarks.md).
    #[arg(long, default_value = "3", value_parser = super::parse_decimals)]
    pub precision: super::Decimals,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    #[command(flatten)]
    pub common: super::Common,
}

/// Repeat intervals per contig.
type RepeatSets = std::collections::BTreeMap<String, IntervalSet>;

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--out-dir", "--output")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    check_outputs(&args)?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let regions = chosen_regions(&args, &genome)?;
    let (repeats, classes) = annotations(&args, &genome)?;
    let (model, model_meta) = args.model.load(&args.common, &genome)?;
    let meta = metadata(&args, model_meta, &classes);
    let request = scores::ScoreRequest {
        genome: &genome,
        model: model.as_ref(),
        regions: &regions,
        repeats: repeats.as_ref(),
        classes: &classes,
        all_tracks: args.tracks,
        rc_average: args.rc_average,
        decimals: args.precision.0,
        quiet: args.common.quiet,
    };
    let started = std::time::Instant::now();
    let metrics = scores::score_to_folder(&request, &args.output, &meta)?;
    if args.profile {
        print_profile(model.as_ref(), &regions, args.rc_average, started.elapsed());
    }
    if !args.common.quiet {
        print_summary(model.as_ref(), &metrics);
    }
    Ok(())
}

/// The positions to score: the split's windows or the BED's regions, of the job's or the
/// chosen chromosomes.
fn chosen_regions(args: &Args, genome: &Genome) -> Result<HashMap<String, IntervalSet>> {
    super::chosen_regions(
        genome,
        args.windows.as_deref(),
        args.split,
        args.regions.as_deref(),
        &args.chroms,
        &args.job,
        "score",
    )
}

/// The repeats (`--repeats`) and the annotation classes (`--classes`) to score apart.
fn annotations(args: &Args, genome: &Genome) -> Result<(Option<RepeatSets>, bed::ClassSets)> {
    let repeats = args.repeats.as_ref().map(|p| bed::read_sets(p, genome));
    let repeats = repeats.transpose()?;
    Ok((repeats, bed::read_classes(&args.classes, genome)?))
}

/// Refuses standard output (the output is a folder) and an output that is one of the inputs.
fn check_outputs(args: &Args) -> Result<()> {
    crate::io::refuse_stdout(
        &args.output,
        "score-genome writes a folder (tracks, metrics, calibration)",
    )?;
    let inputs = [&args.genome, &args.model.path]
        .into_iter()
        .chain(&args.windows)
        .chain(&args.job.plan);
    let inputs = inputs
        .chain(&args.regions)
        .chain(&args.repeats)
        .chain(&args.classes);
    crate::io::refuse_overwrite(inputs, &crate::scores::folder_files(&args.output))?;
    Ok(())
}

/// The outputs' metadata: the model's provenance, the genome, the regions and the settings.
fn metadata(args: &Args, model_meta: Metadata, classes: &bed::ClassSets) -> Metadata {
    let mut meta = model_meta;
    meta.insert("dnactx.kind".into(), "metrics".into());
    meta.insert("dnactx.genome".into(), crate::io::file_name(&args.genome));
    // the model file or folder as given: which model scored these positions (a cross-fitted
    // track's chromosomes each name their fold's model)
    meta.insert(
        "dnactx.model_path".into(),
        args.model.path.display().to_string(),
    );
    meta.insert("dnactx.regions".into(), regions_label(args));
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    if !classes.labels.is_empty() {
        meta.insert("dnactx.classes".into(), classes.labels.join(","));
    }
    meta.insert(
        "dnactx.track_precision".into(),
        args.precision.0.map_or("full".into(), |d| d.to_string()),
    );
    meta
}

/// Where the scored positions came from: the windows and split, or the BED.
fn regions_label(args: &Args) -> String {
    match (&args.windows, &args.regions) {
        (Some(w), _) => format!("{} split={}", w.display(), args.split),
        (_, Some(r)) => r.display().to_string(),
        _ => String::new(),
    }
}

/// `--profile`: positions per second, and where a network's time went.
fn print_profile(
    model: &dyn Predictor,
    regions: &HashMap<String, IntervalSet>,
    rc_average: bool,
    elapsed: std::time::Duration,
) {
    let secs = elapsed.as_secs_f64();
    let bases: u64 = regions.values().map(IntervalSet::covered).sum();
    let strands = if rc_average { ", both strands" } else { "" };
    let wait = data_wait(model, secs);
    eprintln!(
        "score-genome: {bases} positions{strands} in {secs:.2} s, {:.0} positions/s{wait}",
        bases as f64 / secs.max(1e-9)
    );
    if let Some(p) = model.profile() {
        eprintln!("score-genome: {p}");
    }
}

/// The line that ends a run: positions scored, accuracy and bits.
fn print_summary(model: &dyn Predictor, metrics: &crate::metrics::MetricsTable) {
    let all = metrics.overall().all;
    let t = metrics.target;
    let class = if t.is_base() {
        String::new()
    } else {
        format!("{t} ")
    };
    eprintln!(
        "scored {} positions: {class}accuracy {:.4}, {:.4} bits/base ({})",
        all.n,
        all.accuracy_of(t),
        all.bits_of(t),
        model.describe()
    );
}

/// How much of `secs` a network predicted, and waited for its inputs (nothing for others).
fn data_wait(model: &dyn Predictor, secs: f64) -> String {
    match model.data_wait() {
        Some((busy, wait)) => format!(
            "; the model predicted {:.0}% of the time and waited for prepared inputs {:.1}% of it",
            100.0 * busy / secs.max(1e-9),
            100.0 * wait / busy.max(1e-9)
        ),
        None => String::new(),
    }
}
