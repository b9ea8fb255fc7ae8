//! `mask-repeats`: a sorted, merged BED of repeats from soft-masking, DUST and annotations.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::Genome;
use std::io::Write;

use crate::io::OutputFile;
use crate::regions::bed;
use crate::repeats::{self, DustParams, Labelled};

/// Write a BED of repeat intervals: soft-masked runs, low-complexity (DUST) intervals and
/// any BED annotations, merged; the name column lists the source(s) of each interval.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  mask-repeats -g genome.fa.gz --dust --bed rmsk.bed -o repeats.bed"
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// Output BED (chrom, start, end, sources), sorted in genome order.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Add low-complexity intervals found by symmetric DUST.
    #[arg(long)]
    pub dust: bool,
    /// DUST window (bases).
    #[arg(long, default_value_t = 64)]
    pub dust_window: usize,
    /// DUST score threshold.
    #[arg(long, default_value_t = 20)]
    pub dust_threshold: i64,
    /// Do not take the soft-masked (lowercase) runs.
    #[arg(long)]
    pub no_softmask: bool,
    /// BED annotation of repeats to add (repeatable); its file stem names the source.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long = "bed")]
    pub beds: Vec<PathBuf>,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    crate::io::refuse_overwrite([&args.genome].into_iter().chain(&args.beds), [&args.output])?;
    if args.no_softmask && !args.dust && args.beds.is_empty() {
        bail!("nothing to mask: --no-softmask without --dust or --bed");
    }
    if args.dust_window < 4 {
        bail!("--dust-window must be at least 4, got {}", args.dust_window);
    }
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let mut labels = vec!["softmask".to_string(), "dust".to_string()];
    let mut annotations = Vec::new();
    for path in &args.beds {
        annotations.push(bed::read_sets(path, &genome)?);
        labels.push(source_name(path));
    }
    let params = DustParams {
        window: args.dust_window,
        threshold: args.dust_threshold,
    };
    let total: u64 = genome.contigs().iter().map(|c| c.len as u64).sum();
    let pb = crate::progress::bar(total, "mask-repeats", args.common.quiet);
    // Written contig by contig, so memory holds one contig's intervals at a time.
    let mut out = OutputFile::create(&args.output)?;
    genome.visit(&genome.names(), |contig, seq| {
        let mut ivs: Vec<Labelled> = Vec::new();
        if !args.no_softmask {
            ivs.extend(
                repeats::soft_masked(&seq)
                    .into_iter()
                    .map(|iv| Labelled::new(iv, 1)),
            );
        }
        if args.dust {
            ivs.extend(
                repeats::dust(seq.codes(), params)
                    .into_iter()
                    .map(|iv| Labelled::new(iv, 2)),
            );
        }
        for (i, ann) in annotations.iter().enumerate() {
            if let Some(set) = ann.get(&contig.name) {
                ivs.extend(set.intervals().iter().map(|&iv| Labelled::new(iv, 4 << i)));
            }
        }
        for iv in repeats::merge_labelled(ivs) {
            let (s, e) = (iv.start, iv.end);
            writeln!(
                out,
                "{}\t{s}\t{e}\t{}",
                contig.name,
                label(iv.sources, &labels)
            )
            .map_err(|e| crate::Error::io(&args.output, e))?;
        }
        pb.inc(contig.len as u64);
        Ok(())
    })?;
    pb.finish_and_clear();
    out.commit()?;
    Ok(())
}

fn label(bits: u32, labels: &[String]) -> String {
    labels
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// `rmsk.bed.gz` -> `rmsk`.
fn source_name(path: &std::path::Path) -> String {
    let name = crate::io::file_name(path);
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.strip_suffix(".bed").unwrap_or(name);
    name.replace([',', '\t', ' '], "_")
}
