//! embed-regions: a trained network's per-position features for the chosen positions, as
//! a Parquet table with coordinates.

use std::path::PathBuf;

use super::RegionChoice;
use crate::compute::{ComputeArgs, Dtype};
use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::nn::embed::{EmbedRequest, embed_regions};
use crate::nn::{NeuralModel, device};
use crate::{Error, Result};

/// Embed the chosen positions with a train-model network.
#[derive(Debug, Clone)]
pub struct EmbedRegions {
    pub genome: PathBuf,
    /// The train-model folder.
    pub model: PathBuf,
    pub regions: RegionChoice,
    pub rc_average: bool,
    /// The most positions embedded; more is refused.
    pub max_positions: u64,
    pub output: PathBuf,
    pub compute: ComputeArgs,
    /// libtorch's threads (0: its default).
    pub threads: usize,
    pub quiet: bool,
}

impl EmbedRegions {
    pub fn run(&self) -> Result<()> {
        let inputs = [&self.genome, &self.model]
            .into_iter()
            .chain(self.regions.inputs());
        crate::io::refuse_overwrite(inputs, std::slice::from_ref(&self.output))?;
        let genome = Genome::open(&self.genome)?;
        let regions = self.regions.choose(&genome, "embed")?;
        self.check_count(regions.values().map(|s| s.covered()).sum())?;
        let model = self.load_model()?;
        let request = EmbedRequest {
            model: &model,
            model_path: &self.model,
            genome: &genome,
            regions: &regions,
            rc_average: self.rc_average,
            quiet: self.quiet,
        };
        let (rows, dims) = embed_regions(&request, &self.output, self.metadata())?;
        if !self.quiet {
            eprintln!(
                "embed-regions: {rows} positions, {dims} features each ({} model), into {}",
                model.config.model.name(),
                self.output.display()
            );
        }
        Ok(())
    }

    /// The table's metadata beyond the model's: the genome, and whether strands were
    /// averaged.
    fn metadata(&self) -> Metadata {
        let mut meta = Metadata::new();
        meta.insert("dnactx.rc_average".into(), self.rc_average.to_string());
        meta.insert("dnactx.genome".into(), crate::io::file_name(&self.genome));
        meta
    }

    /// Refuses more than `max_positions` positions.
    fn check_count(&self, total: u64) -> Result<()> {
        if total > self.max_positions {
            return Err(Error::config(
                "--max-positions",
                format!(
                    "{total} positions to embed, above --max-positions {}: choose fewer (a BED, --chrom) or raise it",
                    self.max_positions
                ),
            ));
        }
        Ok(())
    }

    /// The network of the model folder, on the chosen device (and threads).
    fn load_model(&self) -> Result<NeuralModel> {
        let (dev, precision) = device::setup(&self.compute, Dtype::Auto, self.threads)?;
        if !self.model.is_dir() {
            return Err(Error::wrong_kind(
                &self.model,
                "not a model folder from train-model",
            ));
        }
        NeuralModel::load(&self.model, dev, precision)
    }
}
