//! merge-scores: score-genome folders of disjoint contigs gathered into one.

use std::path::PathBuf;

use crate::Result;

/// Merge score-genome output folders into one folder with the same files.
#[derive(Debug, Clone)]
pub struct MergeScores {
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    /// Decimals kept in the merged tracks (`None`: all).
    pub decimals: Option<u32>,
    pub quiet: bool,
}

impl MergeScores {
    pub fn run(&self) -> Result<()> {
        crate::io::refuse_stdout(
            &self.output,
            "merge-scores writes a folder (tracks, metrics, calibration)",
        )?;
        crate::scores::merge_folders(&self.inputs, &self.output, self.decimals, self.quiet)?;
        Ok(())
    }
}
