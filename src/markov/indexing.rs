//! Building an FM-index of chosen regions of a genome (index-genome): the text of their
//! A/C/G/T runs and reverse complements, sorted in one pass or in parts that fit a memory
//! bound and merged, with progress on stderr.

use std::collections::HashMap;

use super::build::{BuildProgress, TextBuilder};
use super::index::{FmdIndex, IndexMeta, KIND};
use super::memory::{MemoryPlan, TextSize, human};
use crate::Result;
use crate::genome::Genome;
use crate::regions::IntervalSet;

/// What the index records of where it came from.
pub struct IndexLabel {
    /// The genome's file name.
    pub genome_file: String,
    /// The split indexed (`all` for whole contigs).
    pub split: String,
}

/// A built index, with the bases and contigs it holds.
pub struct Built {
    pub index: FmdIndex,
    pub bases: u64,
    pub contigs: usize,
}

/// The line that says the sort is split into parts to stay within the memory asked for.
fn announce_parts(positions: u64, plan: &MemoryPlan) {
    eprintln!(
        "index-genome: about {positions} positions, sorted in {} parts of at most {} and merged \
         (expected peak {})",
        plan.parts,
        plan.part_limit,
        human(plan.peak)
    );
}

/// Indexes `regions` of `genome` within `max_memory` (default: what this process may use).
pub fn index_regions(
    genome: &Genome,
    regions: &HashMap<String, IntervalSet>,
    label: &IndexLabel,
    max_memory: Option<u64>,
    quiet: bool,
) -> Result<Built> {
    let names = crate::regions::windows::in_genome_order(genome, regions);
    let plan = memory_plan(genome, regions, max_memory)?;
    if !quiet && plan.parts > 1 {
        let positions = 2 * regions.values().map(|s| s.covered()).sum::<u64>();
        announce_parts(positions, &plan);
    }
    let text = read_text(genome, &names, regions, plan.part_limit, quiet)?;
    let bases = text.bases();
    let index = text.finish(index_meta(genome, label, &names))?;
    Ok(Built {
        index,
        bases,
        contigs: names.len(),
    })
}

/// The index's metadata before the build fills in its checksums and bases.
fn index_meta(genome: &Genome, label: &IndexLabel, names: &[String]) -> IndexMeta {
    IndexMeta {
        kind: KIND.into(),
        version: crate::VERSION.into(),
        genome: label.genome_file.clone(),
        genome_contigs: genome.contig_lengths(),
        checksum: String::new(),
        contig_checksums: Vec::new(),
        split: label.split.clone(),
        chroms: names.join(","),
        bases: 0,
    }
}

/// The text of `regions` of the contigs `names` (in genome order), read with a bar.
fn read_text(
    genome: &Genome,
    names: &[String],
    regions: &HashMap<String, IntervalSet>,
    part_limit: u64,
    quiet: bool,
) -> Result<TextBuilder> {
    let number = contig_numbers(genome);
    let total: u64 = regions.values().map(|s| s.covered()).sum();
    let pb = crate::progress::bar(total, "index-genome: reading", quiet);
    let mut text = TextBuilder::with_part_limit(part_limit).with_progress(Box::new(Steps {
        quiet,
        started: std::time::Instant::now(),
        bar: Default::default(),
    }));
    genome.visit(names, |contig, seq| {
        let set = &regions[&contig.name];
        text.add_contig(number[contig.name.as_str()], &contig.name, seq.codes(), set)?;
        pb.inc(set.covered());
        Ok(())
    })?;
    pb.finish_and_clear();
    Ok(text)
}

/// Each contig's number in the genome's order.
fn contig_numbers(genome: &Genome) -> HashMap<&str, usize> {
    genome
        .contigs()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect()
}

/// The memory available, or 16 GB (saying so) when it cannot be told.
fn available_or_16g() -> u64 {
    crate::markov::memory::available().unwrap_or_else(|| {
        crate::progress::warn(
            "index-genome: cannot tell the memory available; assuming 16 GB (--max-memory)",
        );
        16 << 30
    })
}

/// How the build fits the memory bound (`--max-memory`, or what this process may use).
fn memory_plan(
    genome: &Genome,
    regions: &HashMap<String, IntervalSet>,
    bound: Option<u64>,
) -> Result<MemoryPlan> {
    let intervals = regions.values().flat_map(|s| s.intervals());
    let (runs, longest) = intervals.fold((0u64, 0u64), |(n, l), &(s, e)| (n + 1, l.max(e - s)));
    let covered: u64 = regions.values().map(|s| s.covered()).sum();
    let largest_contig = genome
        .contigs()
        .iter()
        .filter(|c| regions.contains_key(&c.name))
        .map(|c| c.len as u64)
        .max()
        .unwrap_or(0);
    let size = TextSize {
        positions: 2 * covered + 2 * runs,
        longest_run: 2 * longest + 2,
        runs,
        reader: 2 * largest_contig,
    };
    size.plan(bound.unwrap_or_else(available_or_16g))
}

/// Each step as a line, with the time since the build started (where a human genome's
/// hour goes: sorting each part, merging it), and a bar over each merge.
struct Steps {
    quiet: bool,
    started: std::time::Instant,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl BuildProgress for Steps {
    fn step(&self, what: &str) {
        if let Some(pb) = self.bar.lock().unwrap().take() {
            pb.finish_and_clear();
        }
        if !self.quiet {
            let at = self.started.elapsed().as_secs_f64();
            eprintln!("index-genome: {what} (at {at:.1} s)");
        }
    }

    fn merged(&self, rows: u64, of: u64) {
        let mut bar = self.bar.lock().unwrap();
        let pb = bar
            .get_or_insert_with(|| crate::progress::bar(of, "index-genome: merging", self.quiet));
        pb.set_position(rows);
    }
}
