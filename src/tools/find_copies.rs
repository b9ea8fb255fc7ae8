//! find-copies: where test sequence has a copy in the train split, by the train split's
//! FM-index, as a BED of bands.

use std::path::PathBuf;

use super::RegionChoice;
use crate::Result;
use crate::genome::Genome;
use crate::markov::{BandCounts, MarkovModel, MarkovSettings, copy_bands};
use crate::models::{self, MarkovOptions};

/// Find, for every A/C/G/T position chosen, the longest window around it that the index
/// holds, and write the bands as BED.
#[derive(Debug, Clone)]
pub struct FindCopies {
    pub genome: PathBuf,
    /// The train split's FM-index.
    pub index: PathBuf,
    pub regions: RegionChoice,
    /// The BED written.
    pub output: PathBuf,
    pub quiet: bool,
}

impl FindCopies {
    pub fn run(&self) -> Result<()> {
        let inputs = [&self.genome, &self.index]
            .into_iter()
            .chain(self.regions.inputs());
        crate::io::refuse_overwrite(inputs, [&self.output])?;
        let genome = Genome::open(&self.genome)?;
        let regions = self.regions.choose(&genome, "search")?;
        let model = full_order(&self.index, &genome)?;
        let counts = copy_bands(&model, &genome, &regions, &self.output, self.quiet)?;
        if !self.quiet {
            eprintln!("find-copies: {}", self.summary(&counts, &model));
        }
        Ok(())
    }

    /// The positions searched and the share of each band.
    fn summary(&self, counts: &BandCounts, model: &MarkovModel) -> String {
        format!(
            "{} positions against {} ({} bases indexed): {}",
            counts.total(),
            crate::io::file_name(&self.index),
            model.index().meta.bases,
            counts.shares()
        )
    }
}

/// The index as a model of every order up to the most, leaving each position's own count out.
fn full_order(index: &std::path::Path, genome: &Genome) -> Result<MarkovModel> {
    let options = MarkovOptions {
        settings: MarkovSettings {
            k: crate::markov::model::K_MAX,
            alpha: MarkovSettings::DEFAULT_ALPHA,
            min_order: 0,
            leave_one_out: true,
        },
        other_genome: false,
    };
    models::load_markov(index, genome, &options)
}
