//! `merge-scores`: gather per-chromosome score-genome folders into one: one bigWig per
//! track, one metrics table (the overall rows recomputed from the sums), one calibration.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bigtools::{BigWigRead, Value};
use clap::Parser;
use rayon::prelude::*;

use crate::markov::CopyBand;
use crate::metrics::{Calibration, MetricsTable};
use crate::scores::{self, TRACKS};
use crate::tracks::TrackSet;

/// Merge score-genome output folders of disjoint chromosomes (e.g. one job per chromosome)
/// into one folder with the same files.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  merge-scores -o results/scores/cnn results/scores/cnn/chroms/*"
)]
pub struct Args {
    /// score-genome output folders, in the order their chromosomes should appear.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Decimals kept in the merged tracks' values (0 to 6; see score-genome --precision);
    /// `full` copies the values as they are.
    #[arg(long, default_value = "full", value_parser = super::parse_decimals)]
    pub precision: super::Decimals,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--out-dir", "--output")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    crate::io::refuse_stdout(
        &args.output,
        "merge-scores writes a folder (tracks, metrics, calibration)",
    )?;
    let inputs: Vec<PathBuf> = args
        .inputs
        .iter()
        .flat_map(|d| scores::folder_files(d))
        .collect();
    crate::io::refuse_overwrite(&inputs, &scores::folder_files(&args.output))?;
    let names = tracks_of(&args.inputs[0]);
    if names.is_empty() {
        bail!("{}: no track (.bw) to merge", args.inputs[0].display());
    }
    for dir in &args.inputs[1..] {
        if tracks_of(dir) != names {
            bail!(
                "{}: holds tracks {:?}, but {} holds {:?}",
                dir.display(),
                tracks_of(dir),
                args.inputs[0].display(),
                names
            );
        }
    }
    let mut sizes: Vec<(String, u64)> = Vec::new();
    let mut owner: HashMap<String, PathBuf> = HashMap::new();
    for dir in &args.inputs {
        let bw = open(&dir.join(format!("{}.bw", names[0])))?;
        for c in bw.chroms() {
            if let Some(prev) = owner.insert(c.name.clone(), dir.clone()) {
                bail!(
                    "chromosome {} is in both {} and {}",
                    c.name,
                    prev.display(),
                    dir.display()
                );
            }
            sizes.push((c.name.clone(), c.length as u64));
        }
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("creating {}", args.output.display()))?;
    let dests: Vec<PathBuf> = names
        .iter()
        .map(|n| args.output.join(format!("{n}.bw")))
        .collect();
    let mut tracks = TrackSet::create(&dests, &sizes)?;
    tracks.round_to_decimals(args.precision.0)?;
    let mut metrics = MetricsTable::default();
    let mut calibration = Calibration::default();
    let mut meta = None;
    let pb = crate::progress::bar(args.inputs.len() as u64, "merge-scores", args.common.quiet);
    for dir in &args.inputs {
        let mut readers: Vec<_> = names
            .iter()
            .map(|n| open(&dir.join(format!("{n}.bw"))))
            .collect::<Result<_>>()?;
        let chroms: Vec<(String, u32)> = readers[0]
            .chroms()
            .iter()
            .map(|c| (c.name.clone(), c.length))
            .collect();
        for (chrom, len) in chroms {
            tracks.start_chrom(&chrom)?;
            // the tracks read side by side, a block of the chromosome at a time (the writers
            // already run a thread each)
            for s in (0..len).step_by(READ_BLOCK as usize) {
                let e = (s + READ_BLOCK).min(len);
                let blocks: Vec<Vec<Value>> = readers
                    .par_iter_mut()
                    .zip(&names)
                    .map(|(reader, name)| {
                        read_block(reader, &dir.join(format!("{name}.bw")), &chrom, s, e)
                    })
                    .collect::<Result<_>>()?;
                for (t, values) in blocks.into_iter().enumerate() {
                    for v in values {
                        tracks.push_run(t, v)?;
                    }
                }
            }
        }
        let (m, md) = MetricsTable::read(&dir.join("metrics.parquet"))?;
        if meta.is_none() {
            metrics.target = m.target;
        } else if m.target != metrics.target {
            bail!(
                "{}: scored by a model of the {}, but {} by one of the {} (merge folders of one model)",
                dir.display(),
                m.target,
                args.inputs[0].display(),
                metrics.target
            );
        } else if user_classes(&m.labels) != user_classes(&metrics.labels) {
            // the copy bands are each job's own (find-copies); other classes must agree
            bail!(
                "{}: annotation classes {:?}, but {} has {:?} (score every folder with the same --classes)",
                dir.display(),
                user_classes(&m.labels),
                args.inputs[0].display(),
                user_classes(&metrics.labels)
            );
        }
        metrics.append(m);
        meta.get_or_insert(md);
        calibration.merge(&Calibration::read(&dir.join("calibration.parquet"))?);
        pb.inc(1);
    }
    pb.finish_and_clear();
    let mut meta = meta.unwrap_or_default();
    meta.insert("dnactx.merged_from".into(), args.inputs.len().to_string());
    scores::write(&args.output, tracks, &calibration, &metrics, &meta)?;
    Ok(())
}

/// Bases of a chromosome read from every track at once: at most about 12 bytes a base each.
const READ_BLOCK: u32 = 1 << 22;

/// The runs of `chrom` in `s..e` (cut at the block's ends).
fn read_block(
    reader: &mut BigWigRead<bigtools::utils::reopen::ReopenableFile>,
    path: &Path,
    chrom: &str,
    s: u32,
    e: u32,
) -> Result<Vec<Value>> {
    let context = || format!("reading {chrom} of {}", path.display());
    reader
        .get_interval(chrom, s, e)
        .with_context(context)?
        .map(|v| {
            let mut v = v.with_context(context)?;
            v.start = v.start.max(s);
            v.end = v.end.min(e);
            Ok(v)
        })
        .collect()
}

/// The annotation classes other than the copy bands, in their order.
fn user_classes(labels: &[String]) -> Vec<&str> {
    labels
        .iter()
        .map(String::as_str)
        .filter(|l| !CopyBand::is_label(l))
        .collect()
}

fn tracks_of(dir: &Path) -> Vec<&'static str> {
    TRACKS
        .into_iter()
        .filter(|t| dir.join(format!("{t}.bw")).is_file())
        .collect()
}

fn open(path: &Path) -> Result<BigWigRead<bigtools::utils::reopen::ReopenableFile>> {
    BigWigRead::open_file(path)
        .map_err(|e| anyhow::anyhow!("{}: not a readable bigWig: {e}", path.display()))
}
