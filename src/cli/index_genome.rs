//! `index-genome`: the FM-index of the train split, both strands, for the bidirectional
//! Markov model.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::Genome;
use crate::markov::build::TextBuilder;
use crate::markov::index::{IndexMeta, KIND};
use crate::regions::splits::Split;

/// Index the A/C/G/T runs of a split's windows (or of whole chromosomes) and their reverse
/// complements into one FMD-index file: a model for score-genome, score-variants,
/// explain-flanks and train-model --prior that counts any context of up to 16 bases a side
/// on demand.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  index-genome -g genome.fa.gz --windows windows.parquet --split train -o train.fmd\n  index-genome -g genome.fa.gz --chrom chr_1,chr_2 -o chr1-2.fmd\n  score-genome -g genome.fa.gz -m train.fmd --max-order 12 --windows windows.parquet --split test --out-dir scores/markov\n\nMemory: about 5 bytes per indexed position (both strands: 10 per base) while sorting,\n9 above 2^31 positions; the file holds about 1 byte per base."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    #[arg(short, long)]
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
    #[command(flatten)]
    pub common: super::Common,
}

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
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
    let pb = crate::progress::bar(total, "index-genome: reading", args.common.quiet);
    let mut text = TextBuilder::new();
    genome.visit(&names, |contig, seq| {
        let set = &regions[&contig.name];
        text.add_contig(number[contig.name.as_str()], &contig.name, seq.codes(), set);
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
        split: if args.windows.is_some() {
            args.split.to_string()
        } else {
            "all".into()
        },
        chroms: names.join(","),
        bases: 0,
    };
    let bases = text.bases();
    let spinner = crate::progress::spinner(
        &format!("index-genome: sorting {} positions", 2 * bases),
        args.common.quiet,
    );
    let index = text.finish(meta)?;
    spinner.finish_and_clear();
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
