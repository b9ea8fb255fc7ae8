//! embed-regions' work: a network's per-position features (the head's input: its left and
//! right streams joined, before the prior) for chosen regions, written as a Parquet table
//! with coordinates, a row group per few batches, so memory stays bounded.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;

use super::NeuralModel;
use crate::genome::{Genome, encode};
use crate::io::TempOutput;
use crate::io::parquet::Metadata;
use crate::predict::{chunk_regions, padded_chunk};
use crate::regions::IntervalSet;
use crate::regions::windows::in_genome_order;
use crate::{Error, Result};

/// What to embed.
pub struct EmbedRequest<'a> {
    pub model: &'a NeuralModel,
    /// The model folder, for the metadata.
    pub model_path: &'a Path,
    pub genome: &'a Genome,
    pub regions: &'a HashMap<String, IntervalSet>,
    /// Average each position's features with its reverse complement's.
    pub rc_average: bool,
    pub quiet: bool,
}

/// Writes the features of every A/C/G/T position of the request's regions to `output`
/// (only once all are written), `meta` added to the table's metadata; returns the rows
/// and the features per row.
pub fn embed_regions(
    req: &EmbedRequest,
    output: &Path,
    mut meta: Metadata,
) -> Result<(u64, usize)> {
    let model = req.model;
    let chunk = model.config.train.chunk.max(256) as u64;
    describe(req, &mut meta);
    let temp = TempOutput::new(output)?;
    let file = File::create(temp.path()).map_err(|e| Error::io(output, e))?;
    let mut writer = FeatureWriter {
        file: Some(file),
        writer: None,
        meta,
        path: output,
    };
    let total: u64 = req.regions.values().map(|s| s.covered()).sum();
    let pb = crate::progress::bar(total, "embed-regions", req.quiet);
    let (mut rows, mut dims) = (0u64, 0usize);
    let order = in_genome_order(req.genome, req.regions);
    req.genome.visit(&order, |contig, seq| {
        let spans = chunk_regions(&req.regions[&contig.name], chunk);
        // a few batches at a time: bounded memory, one row group each
        for group in spans.chunks(64) {
            let (df, dim) = group_frame(req, &contig.name, seq.codes(), group)?;
            (rows, dims) = (rows + df.height() as u64, dim);
            pb.inc(group.iter().map(|(s, e)| e - s).sum());
            writer.write(&df)?;
        }
        Ok(())
    })?;
    pb.finish_and_clear();
    writer.finish()?;
    temp.commit()?;
    Ok((rows, dims))
}

/// The model's and the layer's provenance.
fn describe(req: &EmbedRequest, meta: &mut Metadata) {
    let c = &req.model.config;
    meta.insert("dnactx.kind".into(), "features".into());
    meta.insert("dnactx.model".into(), crate::io::file_name(req.model_path));
    meta.insert("dnactx.model_kind".into(), c.model.name().into());
    meta.insert("dnactx.target".into(), c.train.target.name().into());
    meta.insert(
        "dnactx.layer".into(),
        "head input (the two streams joined, without the prior)".into(),
    );
    meta.insert("dnactx.version".into(), crate::VERSION.into());
}

/// A Parquet table opened at its first non-empty batch (whose schema it takes).
struct FeatureWriter<'a> {
    file: Option<File>,
    writer: Option<BatchedWriter<File>>,
    meta: Metadata,
    path: &'a Path,
}

impl FeatureWriter<'_> {
    fn write(&mut self, df: &DataFrame) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        if self.writer.is_none() {
            let f = self.file.take().expect("the file is taken once");
            let w = ParquetWriter::new(f)
                .with_compression(ParquetCompression::Zstd(None))
                .with_key_value_metadata(Some(crate::io::parquet::key_values(&self.meta)))
                .batched(df.schema())
                .map_err(|e| Error::parquet(self.path, e))?;
            self.writer = Some(w);
        }
        if let Some(w) = self.writer.as_mut() {
            w.write_batch(df)
                .map_err(|e| Error::parquet(self.path, e))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self.writer {
            Some(w) => {
                w.finish().map_err(|e| Error::parquet(self.path, e))?;
                Ok(())
            }
            None => Err(Error::Nothing(
                "nothing to embed: no A/C/G/T position in the regions".into(),
            )),
        }
    }
}

/// The features table of the chunks `group` (start, end) of contig `chrom`, and the
/// features per position.
fn group_frame(
    req: &EmbedRequest,
    chrom: &str,
    codes: &[u8],
    group: &[(u64, u64)],
) -> Result<(DataFrame, usize)> {
    let field = req.model.config.field;
    let inputs: Vec<Vec<u8>> = group
        .iter()
        .map(|&(s, e)| padded_chunk(codes, s as usize, e as usize, field))
        .collect();
    let (dim, feats) = req.model.features_chunks(&inputs, req.rc_average)?;
    Ok((frame(chrom, codes, group, &feats, dim)?, dim))
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
    table(chrom, pos, refs, soft, columns)
}

/// The table of the positions' chrom, pos, ref, soft and features f0, f1, ...
fn table(
    chrom: &str,
    pos: Vec<u64>,
    refs: Vec<&str>,
    soft: Vec<bool>,
    columns: Vec<Vec<f32>>,
) -> crate::Result<DataFrame> {
    let n = pos.len();
    let features = columns
        .into_iter()
        .enumerate()
        .map(|(k, v)| Column::new(format!("f{k}").into(), v));
    let cols = [
        Column::new("chrom".into(), vec![chrom; n]),
        Column::new("pos".into(), pos),
        Column::new("ref".into(), refs),
        Column::new("soft".into(), soft),
    ];
    let cols = cols.into_iter().chain(features).collect();
    DataFrame::new(n, cols).map_err(|e| crate::Error::Internal(format!("features table: {e}")))
}
