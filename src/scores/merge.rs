//! merge-scores: score folders of one model (per-job or per-fold, each with its own
//! chromosomes) gathered into one, in named steps: the folders checked against each other
//! ([`check_folders`]), every chromosome's tracks copied side by side into one set
//! ([`copy_tracks`]), the metrics and calibration joined ([`Tables::add`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bigtools::BigWigRead;
use bigtools::utils::reopen::ReopenableFile;

use super::{TRACKS, folder_files};
use crate::io::parquet::Metadata;
use crate::markov::CopyBand;
use crate::metrics::{Calibration, MetricsTable};
use crate::tracks::TrackSet;
use crate::{Error, Result};

/// Merges the score folders `inputs` into `output`, values rounded to `decimals` (`None`:
/// as they are). Nothing is written to `output` unless every folder merges.
pub fn merge_folders(
    inputs: &[PathBuf],
    output: &Path,
    decimals: Option<u32>,
    quiet: bool,
) -> Result<()> {
    let all_inputs: Vec<PathBuf> = inputs.iter().flat_map(|d| folder_files(d)).collect();
    crate::io::refuse_overwrite(&all_inputs, &folder_files(output))?;
    let names = check_folders(inputs)?;
    let sizes = chrom_sizes(inputs, names[0])?;
    let mut tracks = open_tracks(output, &names, &sizes, decimals)?;
    let mut tables = Tables::default();
    let pb = crate::progress::bar(inputs.len() as u64, "merge-scores", quiet);
    for dir in inputs {
        copy_tracks(dir, &names, &mut tracks)?;
        tables.add(dir, &inputs[0])?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    let mut meta = tables.meta.unwrap_or_default();
    meta.insert("dnactx.merged_from".into(), inputs.len().to_string());
    super::write(output, tracks, &tables.calibration, &tables.metrics, &meta)
}

/// The merged tracks `names` in the folder `output` (made if new), over the contigs `sizes`.
fn open_tracks(
    output: &Path,
    names: &[&str],
    sizes: &[(String, u64)],
    decimals: Option<u32>,
) -> Result<TrackSet> {
    std::fs::create_dir_all(output).map_err(|e| Error::io(output, e))?;
    let dests: Vec<PathBuf> = names
        .iter()
        .map(|n| output.join(format!("{n}.bw")))
        .collect();
    let mut tracks = TrackSet::create(&dests, sizes)?;
    tracks.round_to_decimals(decimals)?;
    Ok(tracks)
}

/// The tracks every folder holds (the same in each, at least one).
pub fn check_folders(inputs: &[PathBuf]) -> Result<Vec<&'static str>> {
    let first = &inputs[0];
    let names = tracks_of(first);
    if names.is_empty() {
        return Err(Error::invalid(first, "no track (.bw) to merge"));
    }
    for dir in &inputs[1..] {
        let own = tracks_of(dir);
        if own != names {
            return Err(Error::invalid(
                dir,
                format!(
                    "holds tracks {own:?}, but {} holds {names:?}",
                    first.display()
                ),
            ));
        }
    }
    Ok(names)
}

/// Every chromosome of the folders with its length, in folder order; a chromosome in two
/// folders is refused.
fn chrom_sizes(inputs: &[PathBuf], track: &str) -> Result<Vec<(String, u64)>> {
    let mut sizes = Vec::new();
    let mut owner: HashMap<String, &PathBuf> = HashMap::new();
    for dir in inputs {
        let bw = open(&dir.join(format!("{track}.bw")))?;
        for c in bw.chroms() {
            if let Some(prev) = owner.insert(c.name.clone(), dir) {
                return Err(Error::config(
                    "INPUTS",
                    format!(
                        "chromosome {} is in both {} and {}",
                        c.name,
                        prev.display(),
                        dir.display()
                    ),
                ));
            }
            sizes.push((c.name.clone(), c.length as u64));
        }
    }
    Ok(sizes)
}

/// Copies every chromosome of the folder `dir` into `tracks`, the tracks read side by side,
/// each streamed into its writer.
pub fn copy_tracks(dir: &Path, names: &[&str], tracks: &mut TrackSet) -> Result<()> {
    let mut sources: Vec<_> = names
        .iter()
        .map(|n| {
            let path = dir.join(format!("{n}.bw"));
            Ok((open(&path)?, path))
        })
        .collect::<Result<_>>()?;
    let chroms: Vec<(String, u32)> = (sources[0].0.chroms().iter())
        .map(|c| (c.name.clone(), c.length))
        .collect();
    for (chrom, len) in chroms {
        tracks.start_chrom(&chrom)?;
        tracks.fill_tracks(&mut sources, |(reader, path), sink| {
            let bad =
                |e: &dyn std::fmt::Display| Error::invalid(&*path, format!("reading {chrom}: {e}"));
            for v in reader.get_interval(&chrom, 0, len).map_err(|e| bad(&e))? {
                sink.push(v.map_err(|e| bad(&e))?)?;
            }
            Ok::<(), Error>(())
        })?;
    }
    Ok(())
}

/// The metrics, calibration and metadata of the folders merged so far.
#[derive(Default)]
pub struct Tables {
    pub metrics: MetricsTable,
    pub calibration: Calibration,
    /// The first folder's metadata.
    pub meta: Option<Metadata>,
}

impl Tables {
    /// Adds the folder `dir`'s tables; its model's target and annotation classes must be
    /// those of the folders before it (`first` names the first, for messages).
    pub fn add(&mut self, dir: &Path, first: &Path) -> Result<()> {
        let (m, md) = MetricsTable::read(&dir.join("metrics.parquet"))?;
        if self.meta.is_none() {
            self.metrics.target = m.target;
        } else {
            self.check_same_scoring(&m, dir, first)?;
        }
        self.metrics.append(m);
        self.meta.get_or_insert(md);
        self.calibration
            .merge(&Calibration::read(&dir.join("calibration.parquet"))?);
        Ok(())
    }

    /// The metrics `m` of folder `dir` must come from a model of the same target as those
    /// added (the first from `first`), with the same annotation classes; the copy bands are
    /// each job's own (find-copies).
    fn check_same_scoring(&self, m: &MetricsTable, dir: &Path, first: &Path) -> Result<()> {
        if m.target != self.metrics.target {
            return Err(Error::invalid(
                dir,
                format!(
                    "scored by a model of the {}, but {} by one of the {} (merge folders of one model)",
                    m.target,
                    first.display(),
                    self.metrics.target
                ),
            ));
        }
        let (theirs, ours) = (user_classes(&m.labels), user_classes(&self.metrics.labels));
        if theirs != ours {
            return Err(Error::invalid(
                dir,
                format!(
                    "annotation classes {theirs:?}, but {} has {ours:?} (score every folder with the same --classes)",
                    first.display()
                ),
            ));
        }
        Ok(())
    }
}

/// The annotation classes other than the copy bands, in their order.
fn user_classes(labels: &[String]) -> Vec<&str> {
    labels
        .iter()
        .map(String::as_str)
        .filter(|l| !CopyBand::is_label(l))
        .collect()
}

/// The tracks the folder `dir` holds, in [`TRACKS`] order.
fn tracks_of(dir: &Path) -> Vec<&'static str> {
    TRACKS
        .into_iter()
        .filter(|t| dir.join(format!("{t}.bw")).is_file())
        .collect()
}

fn open(path: &Path) -> Result<BigWigRead<ReopenableFile>> {
    BigWigRead::open_file(path)
        .map_err(|e| Error::wrong_kind(path, format!("not a readable bigWig: {e}")))
}
