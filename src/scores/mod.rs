//! A score folder, as score-genome writes it and merge-scores gathers it: one bigWig per
//! track ([`TRACKS`]: p_ref and entropy, and p_A..p_T when all are asked for),
//! `calibration.parquet`, `metrics.parquet` and `metrics.tsv`.

mod chunk;
mod genome;
pub mod merge;
mod values;

pub use chunk::ChunkScores;
pub use genome::{ScoreRequest, score_to_folder};
pub use merge::merge_folders;
pub use values::TrackValues;

use std::path::{Path, PathBuf};

use crate::Result;
use crate::io::parquet::Metadata;
use crate::metrics::{Calibration, MetricsTable};
use crate::tracks::TrackSet;

/// Every track a score folder may hold, in the order their values are produced.
pub const TRACKS: [&str; 6] = ["p_ref", "entropy", "p_A", "p_C", "p_G", "p_T"];

/// The tracks written: p_ref and entropy, and with `all` p_A, p_C, p_G and p_T too.
pub fn track_names(all: bool) -> &'static [&'static str] {
    if all { &TRACKS } else { &TRACKS[..2] }
}

/// Every file a score folder `dir` may hold (what score-genome and merge-scores write).
pub fn folder_files(dir: &Path) -> Vec<PathBuf> {
    let tables = ["calibration.parquet", "metrics.parquet", "metrics.tsv"];
    let tracks = TRACKS.iter().map(|t| format!("{t}.bw"));
    tracks
        .chain(tables.map(String::from))
        .map(|f| dir.join(f))
        .collect()
}

/// Writes a score folder: the tracks first (they may still fail), then
/// `calibration.parquet` and `metrics.{parquet,tsv}`; the tracks move into place last.
pub fn write(
    dir: &Path,
    tracks: TrackSet,
    calibration: &Calibration,
    metrics: &MetricsTable,
    meta: &Metadata,
) -> Result<()> {
    let finished = tracks.finish()?;
    calibration.write(&dir.join("calibration.parquet"), meta)?;
    metrics.write(&dir.join("metrics.parquet"), &dir.join("metrics.tsv"), meta)?;
    for track in finished {
        track.commit()?;
    }
    Ok(())
}
