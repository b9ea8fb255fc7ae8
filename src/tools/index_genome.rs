//! index-genome: the FM-index of a split's windows (or of whole contigs), both strands,
//! for the bidirectional Markov model.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::genome::Genome;
use crate::markov::indexing::{IndexLabel, index_regions};
use crate::regions::IntervalSet;
use crate::regions::splits::Split;
use crate::regions::windows::Chosen;
use crate::{Error, Result};

/// Index the A/C/G/T runs of the chosen windows (or whole contigs) into one file.
#[derive(Debug, Clone)]
pub struct IndexGenome {
    pub genome: PathBuf,
    /// The windows table (whole contigs without it) and its split indexed.
    pub windows: Option<PathBuf>,
    pub split: Split,
    /// Only these contigs (empty: all).
    pub chroms: Vec<String>,
    /// The index file written.
    pub output: PathBuf,
    /// Peak memory to stay within, bytes (`None`: the cgroup's limit or the memory
    /// available).
    pub max_memory: Option<u64>,
    pub quiet: bool,
}

impl IndexGenome {
    pub fn run(&self) -> Result<()> {
        crate::io::refuse_stdout(
            &self.output,
            "an index is read by memory-mapping it from a file",
        )?;
        let inputs = std::iter::once(&self.genome).chain(&self.windows);
        crate::io::refuse_overwrite(inputs, [&self.output])?;
        let genome = Genome::open(&self.genome)?;
        let (regions, label) = self.chosen(&genome)?;
        let built = index_regions(&genome, &regions, &label, self.max_memory, self.quiet)?;
        built.index.save(&self.output)?;
        if !self.quiet {
            eprintln!(
                "index-genome: {} bases of {} contigs indexed (both strands: {} rows) into {}",
                built.bases,
                built.contigs,
                built.index.rows(),
                self.output.display()
            );
        }
        Ok(())
    }

    /// The regions to index (none is an error) and the label the index keeps of them.
    fn chosen(&self, genome: &Genome) -> Result<(HashMap<String, IntervalSet>, IndexLabel)> {
        let Chosen { regions, label } =
            Chosen::new(genome, self.windows.as_deref(), self.split, &self.chroms)?;
        if regions.is_empty() {
            return Err(Error::Nothing(format!(
                "nothing to index: no {} windows on the chosen chromosomes",
                self.split
            )));
        }
        let label = IndexLabel {
            genome_file: crate::io::file_name(&self.genome),
            split: label,
        };
        Ok((regions, label))
    }
}
