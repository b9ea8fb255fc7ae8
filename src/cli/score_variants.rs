//! `score-variants`: annotate the SNVs of a VCF/BCF with the model's view of them.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::genome::Genome;
use crate::variants::{self, Request, ScoreOptions, Summary};

/// Score every SNV allele of a VCF or BCF: the model's probability of REF and ALT in
/// context, LLR = log2 p(ALT) - log2 p(REF), the predicted base and the entropy. Every
/// record and header line is kept; indels and other non-SNVs pass through unscored, flagged.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:\n  score-variants -g genome.fa.gz -m kmers.parquet -i calls.vcf.gz -o scored.vcf.gz --index\n  score-variants -g hg38.fa.gz -m models/cnn -i clinvar.vcf.gz --chr-prefix add --parquet scores.parquet\n\nINFO fields: DNACTX_P_REF, DNACTX_P_ALT (per ALT), DNACTX_LLR (per ALT), DNACTX_PRED,\nDNACTX_ENTROPY, and the flags DNACTX_NOT_SNV and DNACTX_REF_MISMATCH."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    /// Variants: VCF (plain or bgzip) or BCF.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub input: PathBuf,
    /// Output VCF/BCF: `.vcf` plain, `.vcf.gz` bgzip, `.bcf` BCF (or --output-type).
    #[arg(short, long, required_unless_present = "parquet")]
    pub output: Option<PathBuf>,
    /// Output format, when the extension does not say.
    #[arg(long, value_enum)]
    pub output_type: Option<OutputType>,
    /// Index the output (.tbi for bgzip VCF, .csi for BCF).
    #[arg(long)]
    pub index: bool,
    /// Write a Parquet table (one row per ALT allele) instead of, or beside, the VCF.
    #[arg(long)]
    pub parquet: Option<PathBuf>,
    /// Only this region, `chrom:start-end` (1-based inclusive, VCF names); needs a bgzip
    /// VCF or a BCF with an index.
    #[arg(long)]
    pub region: Option<String>,
    /// Map VCF contig names to the genome's: a two-column TSV (VCF name, genome name).
    #[arg(long)]
    pub contig_map: Option<PathBuf>,
    /// Add or remove a `chr` prefix to turn VCF contig names into the genome's.
    #[arg(long, value_enum)]
    pub chr_prefix: Option<ChrPrefix>,
    /// Average each prediction with the reverse complement's.
    #[arg(long)]
    pub rc_average: bool,
    /// Variants predicted per batch.
    #[arg(long, default_value_t = 4096)]
    pub batch: usize,
    #[command(flatten)]
    pub common: super::Common,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputType {
    Vcf,
    VcfGz,
    Bcf,
}

impl From<OutputType> for variants::OutputFormat {
    fn from(t: OutputType) -> Self {
        match t {
            OutputType::Vcf => variants::OutputFormat::Vcf,
            OutputType::VcfGz => variants::OutputFormat::VcfGz,
            OutputType::Bcf => variants::OutputFormat::Bcf,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChrPrefix {
    Add,
    Remove,
}

impl From<ChrPrefix> for variants::ChrPrefix {
    fn from(p: ChrPrefix) -> Self {
        match p {
            ChrPrefix::Add => variants::ChrPrefix::Add,
            ChrPrefix::Remove => variants::ChrPrefix::Remove,
        }
    }
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    check_outputs(&args)?;
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let (model, model_meta) = args.model.load(&args.common, &genome)?;
    crate::models::require_base(model.as_ref(), &args.model.path, "score-variants")?;
    let (quiet, genome_path) = (args.common.quiet, args.genome.clone());
    let summary = variants::score_variants(&request(args), &genome, model.as_ref(), &model_meta)?;
    if !quiet {
        eprintln!(
            "score-variants: {} ({})",
            describe(&summary),
            model.describe()
        );
    }
    if summary.mismatches > 0 {
        warn_mismatches(&summary, &genome_path);
    }
    Ok(())
}

/// The records whose REF does not match the genome, which were not scored.
fn warn_mismatches(summary: &Summary, genome: &std::path::Path) {
    crate::progress::warn(format_args!(
        "{} record(s) whose REF is missing or does not match {} were not scored; first: {}",
        summary.mismatches,
        genome.display(),
        summary.examples.join("; ")
    ));
}

/// Refuses to overwrite an input, two outputs on standard output, and an index of one.
fn check_outputs(args: &Args) -> Result<()> {
    let inputs = [&args.genome, &args.model.path, &args.input]
        .into_iter()
        .chain(&args.contig_map);
    crate::io::refuse_overwrite(inputs, args.output.iter().chain(&args.parquet))?;
    let to_stdout = args
        .output
        .iter()
        .chain(&args.parquet)
        .filter(|p| crate::io::is_stdio(p));
    if to_stdout.count() > 1 {
        bail!(
            "-o - and --parquet -: standard output takes one stream; write one of them to a file"
        );
    }
    if args.index && args.output.as_deref().is_some_and(crate::io::is_stdio) {
        bail!("--index needs the output in a file: an index cannot be made of standard output");
    }
    Ok(())
}

/// The library's request from the options.
fn request(args: Args) -> Request {
    Request {
        input: args.input,
        region: args.region,
        contig_map: args.contig_map,
        chr_prefix: args.chr_prefix.map(Into::into),
        output: args.output,
        output_format: args.output_type.map(Into::into),
        index: args.index,
        parquet: args.parquet,
        model_path: args.model.path,
        options: ScoreOptions {
            rc_average: args.rc_average,
            batch: args.batch,
        },
    }
}

fn describe(s: &Summary) -> String {
    format!(
        "{} records, {} SNV alleles scored, {} non-SNV alleles passed through, {} REF mismatches; {:.0} variants/s",
        s.records,
        s.scored,
        s.not_snv,
        s.mismatches,
        s.records as f64 / s.seconds.max(1e-9)
    )
}
