//! The batches of a [`NeuralModel`]'s passes: which chunks go into one pass and where in
//! its rows (one chunk a row, or packed end to end where every pass takes one shape, see
//! [`packing`]), their codes and prior inputs as host tensors (pinned for CUDA), padded to
//! the fixed shape on the device, and each chunk's probabilities cut back out.

use std::sync::atomic::Ordering;
use std::time::Instant;

use rayon::prelude::*;
use tch::{Device, Kind, Tensor};

use super::NeuralModel;
use crate::nn::layers::{UNKNOWN_CODE, model_codes};
use crate::nn::packing::{self, Layout};
use crate::nn::prior::Prior;
use crate::{Error, Result};

/// One group of chunks as CPU tensors, ready for the device.
pub(super) struct Prepared {
    input: Tensor,
    prior: Option<Tensor>,
}

impl NeuralModel {
    /// `chunks` in consecutive groups with their rows: packed end to end into at most
    /// `batch` rows of `chunk + 2 field` positions where every pass takes that one shape
    /// (CUDA), each chunk at a multiple of [`NeuralModel::row_period`] (so that it scores as
    /// it would alone, see [`packing`]); one chunk a row otherwise, or where a chunk is
    /// longer than that shape.
    pub(super) fn layouts<'a>(&self, chunks: &'a [Vec<u8>]) -> Vec<(&'a [Vec<u8>], Layout)> {
        let width = self.chunk + 2 * self.config.field;
        let align = self.row_period().unwrap_or(1);
        let lens: Vec<usize> = chunks.iter().map(Vec::len).collect();
        if self.fixed_shapes
            && let Some(groups) = packing::pack(&lens, self.batch, width, align)
        {
            let mut start = 0;
            return (groups.into_iter())
                .map(|(n, layout)| {
                    start += n;
                    (&chunks[start - n..start], layout)
                })
                .collect();
        }
        (self.groups(chunks).into_iter())
            .map(|g| (g, self.rows_of(g)))
            .collect()
    }

    /// One chunk a row, the rows as wide as [`NeuralModel::row_width`] of the longest.
    pub(super) fn rows_of(&self, group: &[Vec<u8>]) -> Layout {
        let mut layout = Layout::one_per_row(group.iter().map(Vec::len));
        layout.width = self.row_width(layout.width);
        layout
    }

    /// The width of a row for chunks of up to `longest` bases: `longest`, or for a network
    /// whose predictions depend on where a row ends the smallest width of at least
    /// `longest` that ends the row where the fixed width `chunk + 2 field` would, modulo
    /// its period, so that a chunk scores the same whatever shares its pass (a small
    /// contig's neighbours in the stream, the job it falls in) and on every device. That is
    /// the LSTM (`min_field < field`): its reverse stream starts a block every `block`
    /// positions from the row's end, and `field - min_field + 1` is its block (lstm.rs:
    /// field `2 block + reach`, min_field `block + reach + 1`); no central position sees
    /// the padding, so only where the blocks fall matters. At most `block - 1` positions more.
    pub(super) fn row_width(&self, longest: usize) -> usize {
        let Some(period) = self.row_period() else {
            return longest;
        };
        let fixed = self.chunk + 2 * self.config.field;
        longest + (fixed % period + period - longest % period) % period
    }

    /// The period of the positions where a row may end without changing a prediction, for
    /// a network whose predictions depend on it (the LSTM's block, see
    /// [`NeuralModel::row_width`]), and where a chunk may start in a packed row; `None`
    /// where they do not, so chunks may be packed, or flipped on the device, anywhere in a
    /// row. Read from the folder's contract (`field`, `min_field`), which only the LSTM's
    /// blocks make differ: a network of another periodicity must say so here.
    pub(super) fn row_period(&self) -> Option<usize> {
        let (field, min_field) = (self.config.field, self.config.min_field);
        (min_field < field).then(|| field - min_field + 1)
    }

    /// `chunks` in consecutive groups of at most `batch x (chunk + 2 field)` bases (the size
    /// of a training batch, so memory stays bounded whatever the caller passes); with fixed
    /// shapes also of at most `batch` chunks, so that every group pads to the one shape
    /// (short chunks of many small contigs would otherwise make groups of more rows).
    pub(super) fn groups<'a>(&self, chunks: &'a [Vec<u8>]) -> Vec<&'a [Vec<u8>]> {
        let budget = self.batch * (self.chunk + 2 * self.config.field);
        let max_rows = if self.fixed_shapes {
            self.batch
        } else {
            usize::MAX
        };
        let mut groups = Vec::new();
        let mut start = 0;
        while start < chunks.len() {
            let (mut end, mut width) = (start, 0);
            while end < chunks.len() {
                let w = width.max(chunks[end].len());
                let rows = end - start + 1;
                if end > start && (self.row_width(w) * rows > budget || rows > max_rows) {
                    break;
                }
                width = w;
                end += 1;
            }
            groups.push(&chunks[start..end]);
            start = end;
        }
        groups
    }

    /// The codes of `chunks` at their places in `layout`'s rows, unknown bases elsewhere,
    /// as a rows x width tensor on the host (pinned for CUDA).
    pub(super) fn codes_tensor(&self, chunks: &[Vec<u8>], layout: &Layout) -> Tensor {
        // one byte a base to the device, widened to the int64 one_hot reads there
        let flat = layout.gather(1, UNKNOWN_CODE as u8, |i| {
            model_codes(&chunks[i])
                .into_iter()
                .map(|x| x as u8)
                .collect::<Vec<u8>>()
        });
        let t = Tensor::from_slice(&flat).view([layout.rows as i64, layout.width as i64]);
        self.host(t)
    }

    pub(super) fn host(&self, t: Tensor) -> Tensor {
        if self.device.is_cuda() {
            crate::nn::precision::pinned(&t)
        } else {
            t
        }
    }

    /// The tensors of `chunks` laid out by `layout` (packed end to end into rows, or one a
    /// row as wide as [`NeuralModel::row_width`]), unknown bases between and after them, on
    /// the host (pinned for CUDA).
    pub(super) fn prepare_group(&self, chunks: &[Vec<u8>], layout: &Layout) -> Prepared {
        let started = Instant::now();
        let prepared = self.prepare_group_untimed(chunks, layout);
        self.prepare_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        prepared
    }

    pub(super) fn prepare_group_untimed(&self, chunks: &[Vec<u8>], layout: &Layout) -> Prepared {
        let field = self.config.field;
        let input = self.codes_tensor(chunks, layout);
        let host = |t: Tensor| self.host(t);
        let prior = (self.prior.as_ref()).map(|p| host(prior_tensor(p, chunks, field, layout)));
        Prepared { input, prior }
    }

    /// The probabilities of a group's `span` central positions per row, cut to each chunk's
    /// own positions (C per position) at its place in `layout`.
    pub(super) fn per_chunk(
        &self,
        probs: &Tensor,
        chunks: &[Vec<u8>],
        layout: &Layout,
        span: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let field = self.config.field;
        let values: Vec<f32> = Vec::<f32>::try_from(probs.view([-1]))
            .map_err(|e| Error::Internal(format!("reading predictions: {e}")))?;
        let classes = self.config.train.target.classes();
        Ok(chunks
            .iter()
            .zip(&layout.place)
            .map(|(c, &(row, at))| {
                let n = c.len() - 2 * field;
                let start = (row * span + at) * classes;
                values[start..start + n * classes].to_vec()
            })
            .collect())
    }

    /// A prepared group's inputs on the device. With fixed shapes (CUDA) every group takes
    /// one shape, padded with unknown bases, so that cuDNN's benchmark mode tunes its kernels
    /// once rather than for each new shape.
    pub(super) fn on_device(&self, prepared: Prepared) -> (Tensor, Option<Tensor>) {
        let to_device = |t: &Tensor| t.to_device_(self.device, t.kind(), true, false);
        let input = to_device(&prepared.input).to_kind(Kind::Int64);
        let prior = prepared.prior.as_ref().map(to_device);
        let (rows, width) = (input.size()[0], input.size()[1]);
        let fixed = (
            self.batch as i64,
            (self.chunk + 2 * self.config.field) as i64,
        );
        if !self.fixed_shapes || rows > fixed.0 || width > fixed.1 || (rows, width) == fixed {
            return (input, prior);
        }
        let input = padded(&input, &[fixed.0, fixed.1], UNKNOWN_CODE);
        let prior = prior.map(|p| {
            let c = p.size()[2];
            padded(&p, &[fixed.0, fixed.1, c], 0)
        });
        (input, prior)
    }
}

/// The prior's inputs of `chunks` (each `field` bases of flank a side) at their places in
/// `layout`'s rows (zero elsewhere), as one tensor on the host.
fn prior_tensor(p: &Prior, chunks: &[Vec<u8>], field: usize, layout: &Layout) -> Tensor {
    let channels = p.channels();
    let inputs: Vec<Vec<f32>> = chunks
        .par_iter()
        .map(|c| p.inputs(c, field, false, None))
        .collect();
    let flat = layout.gather(channels, 0.0, |i| inputs[i].as_slice());
    crate::nn::prior::to_tensor(&flat, layout.rows, layout.width, channels, Device::Cpu)
}

/// `t` in a tensor of `shape` (no smaller in any axis) filled with `fill` elsewhere.
fn padded(t: &Tensor, shape: &[i64], fill: i64) -> Tensor {
    let out = Tensor::full(shape, fill, (t.kind(), t.device()));
    let mut view = out.shallow_clone();
    for (axis, &len) in t.size().iter().enumerate() {
        view = view.narrow(axis as i64, 0, len);
    }
    tch::no_grad(|| view.copy_(t));
    out
}
