//! Per-position features of a [`NeuralModel`] (the network's last hidden layer), of one
//! strand or averaged over both.

use tch::{Device, Kind};

use super::NeuralModel;
use crate::nn::precision::autocast;
use crate::{Error, Result};

impl NeuralModel {
    /// Per-position features of the central positions of `chunks` (each padded with `field`
    /// bases a side, as for [`crate::predict::Predictor::predict_chunks`]): the network's
    /// [`crate::nn::arch::ContextNet::features`], `dim` values per position, flattened per chunk; returns
    /// `dim` too. With `rc_average`, the mean of the forward strand's features and the
    /// reverse strand's at the same base, their halves swapped when the features are the
    /// left stream's then the right stream's, so that each half describes the same flank.
    pub fn features_chunks(
        &self,
        chunks: &[Vec<u8>],
        rc_average: bool,
    ) -> Result<(usize, Vec<Vec<f32>>)> {
        let field = self.config.field;
        let (mut dim, mut out) = (0, Vec::with_capacity(chunks.len()));
        for group in self.groups(chunks) {
            let features = self.group_features(group, rc_average)?;
            dim = features.dim;
            for (i, c) in group.iter().enumerate() {
                out.push(features.chunk(i, c.len(), field));
            }
        }
        Ok((dim, out))
    }

    /// The features of one group of chunks, and of their reverse complements with
    /// `rc_average`.
    fn group_features(&self, group: &[Vec<u8>], rc_average: bool) -> Result<GroupFeatures> {
        let (fwd, width, dim) = self.run_features(group)?;
        let rc = if rc_average {
            let rc: Vec<Vec<u8>> = group
                .iter()
                .map(|c| crate::predict::revcomp_codes(c))
                .collect();
            Some(self.run_features(&rc)?.0)
        } else {
            None
        };
        let swap = self
            .net
            .lock()
            .map(|g| g.1.features_concat())
            .unwrap_or(false);
        Ok(GroupFeatures {
            fwd,
            rc,
            width,
            dim,
            swap,
        })
    }

    /// The features of one group: N x width x dim values (f32, on the host), width, dim.
    fn run_features(&self, group: &[Vec<u8>]) -> Result<(Vec<f32>, usize, usize)> {
        let layout = self.rows_of(group);
        let (input, width) = (self.codes_tensor(group, &layout), layout.width);
        let input = input
            .to_device_(self.device, input.kind(), true, false)
            .to_kind(Kind::Int64);
        let guard = self
            .net
            .lock()
            .map_err(|_| Error::Internal("the model lock was poisoned".into()))?;
        let feats = tch::no_grad(|| autocast(self.device, self.bf16, || guard.1.features(&input)))
            .to_kind(Kind::Float)
            .to_device(Device::Cpu)
            .contiguous();
        drop(guard);
        let dim = feats.size().last().copied().unwrap_or(0) as usize;
        let values = Vec::<f32>::try_from(feats.view([-1]))
            .map_err(|e| Error::Internal(format!("reading features: {e}")))?;
        Ok((values, width, dim))
    }
}

/// A group's features: N x width x dim values of the forward strand and, when averaged, of
/// the reverse strand; `swap` when the reverse strand's streams come out swapped (features
/// that concatenate the left and right streams).
struct GroupFeatures {
    fwd: Vec<f32>,
    rc: Option<Vec<f32>>,
    width: usize,
    dim: usize,
    swap: bool,
}

impl GroupFeatures {
    /// The features of the central positions of chunk `i` (`len` bases, `field` a side).
    fn chunk(&self, i: usize, len: usize, field: usize) -> Vec<f32> {
        let (d, width) = (self.dim, self.width);
        let n = len.saturating_sub(2 * field);
        let mut v = Vec::with_capacity(n * d);
        for j in field..field + n {
            let f = &self.fwd[(i * width + j) * d..(i * width + j + 1) * d];
            let Some(rc) = &self.rc else {
                v.extend_from_slice(f);
                continue;
            };
            let o = (i * width + len - 1 - j) * d;
            let r = &rc[o..o + d];
            for (k, x) in f.iter().enumerate() {
                // the reverse strand's left stream saw this base's right flank
                let kr = if self.swap { (k + d / 2) % d } else { k };
                v.push(0.5 * (x + r[kr]));
            }
        }
        v
    }
}
