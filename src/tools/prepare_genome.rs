//! prepare-genome: a genome as downloaded, copied to bgzip with `.fai` and `.gzi`.

use std::path::PathBuf;

use crate::genome::{Format, GenomeFile};
use crate::{Error, Result};

/// Copy a FASTA or .2bit to an indexed bgzip FASTA.
#[derive(Debug, Clone)]
pub struct PrepareGenome {
    pub genome: PathBuf,
    pub output: PathBuf,
    /// bgzip's compression threads.
    pub threads: u32,
    pub quiet: bool,
}

impl PrepareGenome {
    pub fn run(&self) -> Result<()> {
        crate::io::refuse_stdout(
            &self.output,
            "the bgzip FASTA needs its .fai and .gzi beside it",
        )?;
        crate::io::refuse_overwrite([&self.genome], [&self.output])?;
        let size = std::fs::metadata(&self.genome)
            .map_err(|e| Error::io(&self.genome, e))?
            .len();
        // gzip holds about 3.5 bases per byte, .2bit 4: the bar's total is a guess, its rate
        // is not
        let per_byte = match GenomeFile::inspect(&self.genome)?.format {
            Format::TwoBit => 4,
            Format::Fasta(_) => 3,
        };
        let pb = crate::progress::bar(size * per_byte, "prepare-genome", self.quiet);
        crate::genome::prepare::to_bgzip(&self.genome, &self.output, self.threads, |n| {
            pb.set_position(n)
        })?;
        pb.finish_and_clear();
        Ok(())
    }
}
