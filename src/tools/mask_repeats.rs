//! mask-repeats: a sorted, merged BED of repeats from soft-masking, DUST and annotations.

use std::path::PathBuf;

use crate::genome::Genome;
use crate::repeats::{self, DustParams, MaskSources};
use crate::{Error, Result};

/// Write the union of the chosen repeat sources as one BED.
#[derive(Debug, Clone)]
pub struct MaskRepeats {
    pub genome: PathBuf,
    pub output: PathBuf,
    /// Soft-masked (lowercase) bases are repeats.
    pub softmask: bool,
    /// DUST's low-complexity regions, with these settings.
    pub dust: Option<DustParams>,
    /// Repeat annotations (BED).
    pub beds: Vec<PathBuf>,
    pub quiet: bool,
}

impl MaskRepeats {
    pub fn run(&self) -> Result<()> {
        let inputs = [&self.genome].into_iter().chain(&self.beds);
        crate::io::refuse_overwrite(inputs, [&self.output])?;
        self.check()?;
        let genome = Genome::open(&self.genome)?;
        let sources = MaskSources::with_beds(self.softmask, self.dust, &self.beds, &genome)?;
        repeats::write_mask(&genome, &sources, &self.output, self.quiet)
    }

    /// Refuses no source at all and a DUST window below 4.
    fn check(&self) -> Result<()> {
        if !self.softmask && self.dust.is_none() && self.beds.is_empty() {
            return Err(Error::Nothing(
                "nothing to mask: --no-softmask without --dust or --bed".into(),
            ));
        }
        match self.dust {
            Some(d) if d.window < 4 => Err(Error::config(
                "--dust-window",
                format!("--dust-window must be at least 4, got {}", d.window),
            )),
            _ => Ok(()),
        }
    }
}
