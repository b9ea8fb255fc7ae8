//! `score-variants`: annotate the SNVs of a VCF/BCF with the model's view of them.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::tools::score_variants::ScoreVariants;
use crate::variants::{self, Request, ScoreOptions};

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
    let job = ScoreVariants {
        genome: args.genome.clone(),
        model: args.model.spec(&args.common),
        quiet: args.common.quiet,
        request: request(args),
    };
    Ok(job.run()?)
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
