//! count-kmers' counting: the contexts around every center of chosen regions of a genome,
//! contig by contig in genome order, with a bar on stderr.

use std::collections::HashMap;

use super::counts::{CountTable, Strands};
use crate::Result;
use crate::genome::Genome;
use crate::regions::IntervalSet;

/// Counts the (2k+1)-windows centred in `regions` of the contigs `names`, on one strand or
/// both, in a table of at most `budget` bytes when dense.
pub fn count_regions(
    genome: &Genome,
    regions: &HashMap<String, IntervalSet>,
    names: &[String],
    k: usize,
    strands: Strands,
    budget: u64,
    quiet: bool,
) -> Result<CountTable> {
    let mut counts = CountTable::new(k, budget);
    let total: u64 = regions.values().map(IntervalSet::covered).sum();
    let pb = crate::progress::bar(total, "count-kmers", quiet);
    genome.visit(names, |contig, seq| {
        let set = &regions[&contig.name];
        counts.count_contig(seq.codes(), set, strands);
        pb.inc(set.covered());
        Ok(())
    })?;
    pb.finish_and_clear();
    Ok(counts)
}
