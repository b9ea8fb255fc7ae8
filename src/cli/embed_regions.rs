//! `embed-regions`: a trained network's per-position features (the head's input: its left
//! and right streams joined, before the prior) for the positions of a BED or a split, as a
//! Parquet table with coordinates, written in row groups so memory stays bounded.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use polars::prelude::*;

use crate::genome::{Genome, encode};
use crate::io::TempOutput;
use crate::nn::{NeuralModel, device};
use crate::predict::{chunk_regions, padded_chunk};
use crate::regions::splits::Split;

/// Write a network's per-position features (its representation of each position's two
/// flanks) for the positions of a BED or of a split.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  embed-regions -g genome.fa.gz -m results/models/cnn --regions sites.bed -o sites.features.parquet\n\nColumns: chrom, pos (0-based), ref (the base), soft (soft-masked), f0..f{D-1} (float32).\nOne row per A/C/G/T position of the regions, in genome order."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    /// A model folder from train-model.
    #[arg(short = 'm', long = "model")]
    pub model: PathBuf,
    /// BED of the positions to embed.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long, required_unless_present = "windows", conflicts_with = "windows")]
    pub regions: Option<PathBuf>,
    /// Windows table from make-windows: embed its --split windows instead.
    #[arg(long)]
    pub windows: Option<PathBuf>,
    /// Split of --windows to embed.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    /// Average each position's features with the reverse strand's at the same base (halves
    /// swapped for two-stream features, so that each half describes the same flank): for
    /// models trained with rc_augment, a strand-independent representation.
    #[arg(long)]
    pub rc_average: bool,
    /// Stop with an error rather than write more rows than this (each row is 4 x D bytes
    /// plus coordinates; a whole split of a large genome is big).
    #[arg(long, default_value_t = 10_000_000)]
    pub max_positions: u64,
    /// Output Parquet file.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub compute: crate::compute::ComputeArgs,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[("--out", "--output")];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let inputs = [&args.genome, &args.model]
        .into_iter()
        .chain(&args.regions)
        .chain(&args.windows);
    crate::io::refuse_overwrite(inputs, std::slice::from_ref(&args.output))?;
    if args.common.threads > 0 {
        tch::set_num_threads(args.common.threads as i32);
    }
    let genome = Genome::open(&args.genome)
        .with_context(|| format!("opening genome {}", args.genome.display()))?;
    let regions = super::chosen_regions(
        &genome,
        args.windows.as_deref(),
        args.split,
        args.regions.as_deref(),
        &args.chroms,
        &super::JobArgs::default(),
        "embed",
    )?;
    let total: u64 = regions.values().map(|s| s.covered()).sum();
    if total > args.max_positions {
        bail!(
            "{total} positions to embed, above --max-positions {}: choose fewer (a BED, --chrom) or raise it",
            args.max_positions
        );
    }
    let (dev, precision) = device::setup(&args.compute, crate::compute::Dtype::Auto, 0)?;
    if !args.model.is_dir() {
        bail!(
            "{}: not a model folder from train-model",
            args.model.display()
        );
    }
    let model = NeuralModel::load(&args.model, dev, precision)?;
    let field = model.config.field;
    let chunk = model.config.train.chunk.max(256) as u64;

    let temp = TempOutput::new(&args.output)?;
    let file = std::fs::File::create(temp.path())
        .with_context(|| format!("creating {}", args.output.display()))?;
    let mut writer: Option<polars::io::parquet::write::BatchedWriter<std::fs::File>> = None;
    let mut meta = crate::io::parquet::Metadata::new();
    meta.insert("dnactx.kind".into(), "features".into());
    meta.insert("dnactx.model".into(), crate::io::file_name(&args.model));
    meta.insert("dnactx.model_kind".into(), model.config.model.name().into());
    meta.insert(
        "dnactx.target".into(),
        model.config.train.target.name().into(),
    );
    meta.insert(
        "dnactx.layer".into(),
        "head input (the two streams joined, without the prior)".into(),
    );
    meta.insert("dnactx.rc_average".into(), args.rc_average.to_string());
    meta.insert("dnactx.genome".into(), crate::io::file_name(&args.genome));
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    let pb = crate::progress::bar(total, "embed-regions", args.common.quiet);
    let mut file = Some(file);
    let (mut rows, mut dims) = (0u64, 0usize);
    let order: Vec<String> = genome
        .contigs()
        .iter()
        .filter(|c| regions.contains_key(&c.name))
        .map(|c| c.name.clone())
        .collect();
    genome.visit(&order, |contig, seq| {
        let codes = seq.codes();
        let spans = chunk_regions(&regions[&contig.name], chunk);
        // a few batches at a time: bounded memory, one row group each
        for group in spans.chunks(64) {
            let inputs: Vec<Vec<u8>> = group
                .iter()
                .map(|&(s, e)| padded_chunk(codes, s as usize, e as usize, field))
                .collect();
            let (dim, feats) = model.features_chunks(&inputs, args.rc_average)?;
            dims = dim;
            let df = frame(&contig.name, codes, group, &feats, dim)?;
            rows += df.height() as u64;
            pb.inc(group.iter().map(|(s, e)| e - s).sum());
            if df.height() == 0 {
                continue;
            }
            if writer.is_none() {
                let schema = df.schema().clone();
                let f = file.take().expect("the file is taken once");
                let w = ParquetWriter::new(f)
                    .with_compression(ParquetCompression::Zstd(None))
                    .with_key_value_metadata(Some(crate::io::parquet::key_values(&meta)))
                    .batched(&schema)
                    .map_err(|e| crate::Error::parquet(&args.output, e))?;
                writer = Some(w);
            }
            if let Some(w) = writer.as_mut() {
                w.write_batch(&df)
                    .map_err(|e| crate::Error::parquet(&args.output, e))?;
            }
        }
        Ok(())
    })?;
    pb.finish_and_clear();
    match writer {
        Some(w) => {
            w.finish()
                .map_err(|e| crate::Error::parquet(&args.output, e))?;
        }
        None => bail!("nothing to embed: no A/C/G/T position in the regions"),
    }
    temp.commit()?;
    if !args.common.quiet {
        eprintln!(
            "embed-regions: {rows} positions, {dims} features each ({} model), into {}",
            model.config.model.name(),
            args.output.display()
        );
    }
    Ok(())
}

/// The rows of one group of chunks: the A/C/G/T positions with their features.
fn frame(
    chrom: &str,
    codes: &[u8],
    spans: &[(u64, u64)],
    feats: &[Vec<f32>],
    dim: usize,
) -> crate::Result<DataFrame> {
    let (mut pos, mut refs, mut soft) = (Vec::new(), Vec::new(), Vec::new());
    let mut columns: Vec<Vec<f32>> = vec![Vec::new(); dim];
    for (&(s, e), f) in spans.iter().zip(feats) {
        for (j, p) in (s..e).enumerate() {
            let code = codes[p as usize];
            if !encode::is_acgt(code) {
                continue;
            }
            pos.push(p);
            refs.push(["A", "C", "G", "T"][encode::base(code) as usize]);
            soft.push(encode::is_soft(code));
            for (k, col) in columns.iter_mut().enumerate() {
                col.push(f[j * dim + k]);
            }
        }
    }
    let n = pos.len();
    let mut cols = vec![
        Column::new("chrom".into(), vec![chrom; n]),
        Column::new("pos".into(), pos),
        Column::new("ref".into(), refs),
        Column::new("soft".into(), soft),
    ];
    cols.extend(
        columns
            .into_iter()
            .enumerate()
            .map(|(k, v)| Column::new(format!("f{k}").into(), v)),
    );
    DataFrame::new(n, cols).map_err(|e| crate::Error::Config(format!("features table: {e}")))
}
