//! count-kmers: the central context model's counts, or the merge of several shards.

use std::path::PathBuf;

use super::RegionChoice;
use crate::genome::Genome;
use crate::kmer::CountTable;
use crate::kmer::count::count_regions;
use crate::kmer::counts::Strands;
use crate::kmer::table::{self, CountsMeta, check_k};
use crate::regions::windows::{self, Chosen};
use crate::{Error, Result};

/// Count the centers of every (2k+1)-window of the chosen windows (or whole contigs), or
/// merge count tables, into one table.
#[derive(Debug, Clone)]
pub struct CountKmers {
    /// The genome; needed unless merging.
    pub genome: Option<PathBuf>,
    /// The windows (no BED) and contigs counted.
    pub regions: RegionChoice,
    pub k: usize,
    pub both_strands: bool,
    /// Memory budget for the dense tables, bytes.
    pub memory_bytes: u64,
    /// Count tables to merge instead of counting.
    pub merge: Vec<PathBuf>,
    pub output: PathBuf,
    pub quiet: bool,
}

impl CountKmers {
    pub fn run(&self) -> Result<()> {
        let inputs = self
            .genome
            .iter()
            .chain(self.regions.inputs())
            .chain(&self.merge);
        crate::io::refuse_overwrite(inputs, [&self.output])?;
        let (counts, meta) = if self.merge.is_empty() {
            self.count()?
        } else {
            table::merge_counts(&self.merge, self.memory_bytes)?
        };
        table::write_counts(&self.output, &counts, &meta)
    }

    /// The counts of the chosen windows (or chromosomes) of the genome.
    fn count(&self) -> Result<(CountTable, CountsMeta)> {
        check_k(self.k)?;
        let Some(genome_path) = &self.genome else {
            return Err(Error::config("--genome", "--genome is required"));
        };
        let genome = Genome::open(genome_path)?;
        let chroms = self.regions.contigs()?;
        let split = self.regions.split;
        let Chosen { regions, label } =
            Chosen::new(&genome, self.regions.windows.as_deref(), split, &chroms)?;
        // An empty shard (a chromosome with no windows of the split) is fine; an empty
        // whole-genome count is a mistake.
        if regions.is_empty() && chroms.is_empty() {
            return Err(Error::Nothing(format!(
                "nothing to count: no {split} windows on the chosen chromosomes"
            )));
        }
        let names = windows::in_genome_order(&genome, &regions);
        let strands = Strands::both_if(self.both_strands);
        let (k, budget) = (self.k, self.memory_bytes);
        let counts = count_regions(&genome, &regions, &names, k, strands, budget, self.quiet)?;
        if counts.total() == 0 {
            self.nothing_counted(&names, chroms.is_empty())?;
        }
        let meta = CountsMeta {
            k,
            strands,
            genome: crate::io::file_name(genome_path),
            split: label,
            chroms: names.join(","),
        };
        Ok((counts, meta))
    }

    /// No center was counted: an error for a whole count (`whole`), a warning for a shard
    /// (a chromosome too short for k).
    fn nothing_counted(&self, names: &[String], whole: bool) -> Result<()> {
        let why = format!(
            "no {} centers counted on {}: no position of its windows has {} A/C/G/T bases on each side",
            self.regions.split,
            if names.is_empty() {
                "the chosen chromosomes".to_string()
            } else {
                names.join(", ")
            },
            self.k
        );
        if whole {
            return Err(Error::Nothing(why));
        }
        crate::progress::warn(format_args!(
            "{why}; {} is an empty shard",
            self.output.display()
        ));
        Ok(())
    }
}
