//! `query-index`: the FM-index model's probabilities (and top-order counts) at chosen
//! positions, in full precision: for inspecting the model and checking it against an
//! independent count.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;

use crate::genome::{Genome, encode};
use crate::io::OutputFile;
use crate::predict::{Locus, padded_chunk};
use crate::regions::bed;

/// Print the bidirectional Markov model's p(A), p(C), p(G), p(T) at every position of a BED
/// file, with 17 significant digits (leave-one-out as score-genome applies it).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  query-index -g genome.fa.gz -m train.fmd --regions sites.bed --max-order 10 -o probs.tsv\n\nColumns: chrom, pos (0-based), ref, p_A, p_C, p_G, p_T (nan where the base is not A/C/G/T)."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// FM-index from index-genome.
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// Positions to query (BED).
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: PathBuf,
    #[command(flatten)]
    pub markov: super::model::MarkovArgs,
    /// Output TSV.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    crate::io::refuse_overwrite([&args.genome, &args.model, &args.regions], [&args.output])?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let model = args.markov.load(&args.model, &genome)?;
    let k = model.settings().k;
    let sets = bed::read_sets(&args.regions, &genome)?;
    let order: Vec<String> = genome
        .contigs()
        .iter()
        .filter(|c| sets.contains_key(&c.name))
        .map(|c| c.name.clone())
        .collect();
    let mut out = OutputFile::create(&args.output)?;
    let io = |e| crate::Error::io(&args.output, e);
    writeln!(out, "chrom\tpos\tref\tp_A\tp_C\tp_G\tp_T").map_err(io)?;
    genome.visit(&order, |contig, seq| {
        let codes = seq.codes();
        for &(s, e) in sets[&contig.name].intervals() {
            let chunk = padded_chunk(codes, s as usize, e as usize, k);
            let locus = Locus {
                contig: &contig.name,
                start: s,
                reverse: false,
            };
            for (i, p) in model.predict_f64(&chunk, Some(&locus)).iter().enumerate() {
                let pos = s as usize + i;
                let r = encode::decode(codes[pos]) as char;
                write!(out, "{}\t{pos}\t{r}", contig.name).map_err(io)?;
                for x in p {
                    if x.is_nan() {
                        write!(out, "\tnan").map_err(io)?;
                    } else {
                        write!(out, "\t{x:.16e}").map_err(io)?;
                    }
                }
                writeln!(out).map_err(io)?;
            }
        }
        model.check_failure()
    })?;
    out.commit()?;
    Ok(())
}
