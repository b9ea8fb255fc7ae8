//! `index-genome`: the FM-index of the train split, both strands, for the bidirectional
//! Markov model.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::Genome;
use crate::markov::build::{BuildProgress, TextBuilder};
use crate::markov::index::{IndexMeta, KIND};
use crate::markov::memory::{MemoryPlan, TextSize, human};
use crate::regions::splits::Split;

/// Index the A/C/G/T runs of a split's windows (or of whole chromosomes) and their reverse
/// complements into one FMD-index file: a model for score-genome, score-variants,
/// explain-flanks and train-model --prior that counts any context of up to 16 bases a side
/// on demand.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  index-genome -g genome.fa.gz --windows windows.parquet --split train -o train.fmd\n  index-genome -g genome.fa.gz --chrom chr_1,chr_2 -o chr1-2.fmd\n  score-genome -g genome.fa.gz -m train.fmd --max-order 12 --windows windows.parquet --split test -o scores/markov\n\nMemory: one pass takes about 5 bytes per indexed position (both strands: 10 per base). A\ntext that does not fit --max-memory, or has 2^31 positions or more, is sorted in parts\nbelow 2^31 positions merged one by one: about 4.5 bytes per position of the largest part\nplus 0.5 per position of the rest, and 1.1 per position while merging (a human genome,\n6.2 G positions: 16 GB). The counts are the same either way; the file holds about 1 byte\nper base."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Windows table from make-windows; without it whole contigs are indexed.
    #[arg(long)]
    pub windows: Option<PathBuf>,
    /// Split whose windows are indexed.
    #[arg(long, value_enum, default_value_t = Split::Train)]
    pub split: Split,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    /// Output index file (.fmd).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Peak memory to stay within, e.g. 12G: the text is sorted in parts that fit (default:
    /// the cgroup's limit or the memory available).
    #[arg(long, value_parser = crate::markov::memory::parse_size)]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    crate::io::refuse_stdout(
        &args.output,
        "an index is read by memory-mapping it from a file",
    )?;
    let inputs = std::iter::once(&args.genome).chain(&args.windows);
    crate::io::refuse_overwrite(inputs, [&args.output])?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let chroms = super::flatten_list(&args.chroms);
    genome.check_names(chroms.iter().map(String::as_str), "--chrom")?;
    let regions =
        super::count_kmers::regions_to_count(&genome, args.windows.as_ref(), args.split, &chroms)?;
    if regions.is_empty() {
        bail!(
            "nothing to index: no {} windows on the chosen chromosomes",
            args.split
        );
    }
    let names: Vec<String> = genome
        .contigs()
        .iter()
        .filter(|c| regions.contains_key(&c.name))
        .map(|c| c.name.clone())
        .collect();
    let number: std::collections::HashMap<&str, usize> = genome
        .contigs()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let total: u64 = regions.values().map(|s| s.covered()).sum();
    let plan = memory_plan(&genome, &regions, args.max_memory)?;
    if !args.common.quiet && plan.parts > 1 {
        eprintln!(
            "index-genome: about {} positions, sorted in {} parts of at most {} and merged \
             (expected peak {})",
            2 * total,
            plan.parts,
            plan.part_limit,
            human(plan.peak)
        );
    }
    let pb = crate::progress::bar(total, "index-genome: reading", args.common.quiet);
    let mut text = TextBuilder::with_part_limit(plan.part_limit).with_progress(Box::new(Steps {
        quiet: args.common.quiet,
        bar: Default::default(),
    }));
    genome.visit(&names, |contig, seq| {
        let set = &regions[&contig.name];
        text.add_contig(number[contig.name.as_str()], &contig.name, seq.codes(), set)?;
        pb.inc(set.covered());
        Ok(())
    })?;
    pb.finish_and_clear();
    let meta = IndexMeta {
        kind: KIND.into(),
        version: crate::VERSION.into(),
        genome: crate::io::file_name(&args.genome),
        genome_contigs: genome.contig_lengths(),
        checksum: String::new(),
        contig_checksums: Vec::new(),
        split: if args.windows.is_some() {
            args.split.to_string()
        } else {
            "all".into()
        },
        chroms: names.join(","),
        bases: 0,
    };
    let bases = text.bases();
    let index = text.finish(meta)?;
    index.save(&args.output)?;
    if !args.common.quiet {
        eprintln!(
            "index-genome: {} bases of {} contigs indexed (both strands: {} rows) into {}",
            bases,
            names.len(),
            index.rows(),
            args.output.display()
        );
    }
    Ok(())
}

/// How the build fits the memory bound (`--max-memory`, or what this process may use).
fn memory_plan(
    genome: &Genome,
    regions: &std::collections::HashMap<String, crate::regions::IntervalSet>,
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
    let bound = match bound.or_else(crate::markov::memory::available) {
        Some(b) => b,
        None => {
            crate::progress::warn(
                "index-genome: cannot tell the memory available; assuming 16 GB (--max-memory)",
            );
            16 << 30
        }
    };
    Ok(size.plan(bound)?)
}

/// Each step as a line, and a bar over each merge.
struct Steps {
    quiet: bool,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl BuildProgress for Steps {
    fn step(&self, what: &str) {
        if let Some(pb) = self.bar.lock().unwrap().take() {
            pb.finish_and_clear();
        }
        if !self.quiet {
            eprintln!("index-genome: {what}");
        }
    }

    fn merged(&self, rows: u64, of: u64) {
        let mut bar = self.bar.lock().unwrap();
        let pb = bar
            .get_or_insert_with(|| crate::progress::bar(of, "index-genome: merging", self.quiet));
        pb.set_position(rows);
    }
}
