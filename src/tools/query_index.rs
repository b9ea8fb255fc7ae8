//! query-index: the FM-index model's probabilities at the positions of a BED, in full
//! precision.

use std::path::PathBuf;

use crate::Result;
use crate::genome::Genome;
use crate::markov::query::write_probabilities;
use crate::models::{self, MarkovOptions};
use crate::regions::bed;

/// Write the model's p(A)..p(T) at every position of a BED as TSV.
#[derive(Debug, Clone)]
pub struct QueryIndex {
    pub genome: PathBuf,
    pub index: PathBuf,
    /// The positions queried (BED).
    pub regions: PathBuf,
    pub markov: MarkovOptions,
    /// The TSV written.
    pub output: PathBuf,
}

impl QueryIndex {
    pub fn run(&self) -> Result<()> {
        let inputs = [&self.genome, &self.index, &self.regions];
        crate::io::refuse_overwrite(inputs, [&self.output])?;
        let genome = Genome::open(&self.genome)?;
        let model = models::load_markov(&self.index, &genome, &self.markov)?;
        let sets = bed::read_sets(&self.regions, &genome)?
            .into_iter()
            .collect();
        write_probabilities(&model, &genome, &sets, &self.output)
    }
}
