//! explain-flanks: how much each band of flank distances contributes to a model's
//! predictions.

use std::path::PathBuf;

use super::RegionChoice;
use crate::Result;
use crate::explain::{self, ExplainRequest, Mode};
use crate::genome::Genome;
use crate::models::{self, ModelSpec};

/// Disturb each band of flank distances at positions drawn from the chosen regions, and
/// write the table of accuracy and bits with each disturbance.
#[derive(Debug, Clone)]
pub struct ExplainFlanks {
    pub genome: PathBuf,
    pub model: ModelSpec,
    pub regions: RegionChoice,
    /// Positions drawn (uniformly, seeded).
    pub positions: usize,
    /// Bands as `1,2,6-10` (`None`: the default bands up to the model's flank).
    pub bands: Option<String>,
    pub modes: Vec<Mode>,
    pub seed: u64,
    /// The Parquet table (a TSV is written beside it).
    pub output: PathBuf,
    pub quiet: bool,
}

impl ExplainFlanks {
    pub fn run(&self) -> Result<()> {
        self.check_outputs()?;
        let genome = Genome::open(&self.genome)?;
        // no position is the library's error, which names the known bases
        let regions = self.regions.positions(&genome, &[])?;
        let loaded = self.model.load(&genome)?;
        let model = loaded.predictor.as_ref();
        models::require_base(model, &self.model.path, "explain-flanks")?;
        let (rows, positions) = explain::contributions(&ExplainRequest {
            genome: &genome,
            regions: &regions,
            model,
            bands: self.bands.as_deref(),
            modes: &self.modes,
            positions: self.positions,
            seed: self.seed,
            quiet: self.quiet,
        })?;
        let mut meta = loaded.meta;
        meta.insert("dnactx.kind".into(), "flank_contributions".into());
        meta.insert("dnactx.positions".into(), positions.to_string());
        meta.insert("dnactx.version".into(), crate::VERSION.into());
        explain::write_table(&self.output, &rows, &meta)
    }

    /// Refuses standard output (a table and a TSV beside it) and an output that is an input.
    fn check_outputs(&self) -> Result<()> {
        crate::io::refuse_stdout(
            &self.output,
            "explain-flanks writes a Parquet table and a TSV beside it",
        )?;
        let inputs = [&self.genome, &self.model.path]
            .into_iter()
            .chain(self.regions.inputs());
        crate::io::refuse_overwrite(inputs, [&self.output])
    }
}
