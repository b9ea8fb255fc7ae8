//! The model folder while training: creating it (or restoring its checkpoint on `--resume`),
//! atomic checkpoints with the metrics so far, and the final weights.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use tch::{Tensor, nn};

use super::adamw::AdamW;
use super::ema::Ema;
use super::folder::{self, CheckpointState, FolderConfig};
use crate::io::parquet::{self as pq, Metadata};
use crate::{Error, Result};

/// One row of `metrics.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsRow {
    pub step: usize,
    pub targets_seen: u64,
    /// Mean training loss (weighted cross-entropy, nats) since the previous row.
    pub train_loss: f64,
    /// Valid cross-entropy, nats per target.
    pub valid_loss: f64,
    pub valid_accuracy: f64,
    pub valid_bits: f64,
    pub lr: f64,
    pub wall_seconds: f64,
    /// Share of the training time since the previous row spent waiting for a batch.
    #[serde(default)]
    pub data_wait: f64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct SavedState {
    #[serde(flatten)]
    pub(super) progress: CheckpointState,
    pub(super) rows: Vec<MetricsRow>,
    /// The folder's config.yaml, so a checkpoint can be resumed even when a workflow
    /// engine removed the folder's other files.
    #[serde(default)]
    pub(super) config: Option<FolderConfig>,
}

/// Restores the checkpoint of the folder `out` into `vs`, `opt` and `ema` (`--resume`); it
/// must have been written for the model and training config of `cfg`.
pub(super) fn resume_folder(
    out: &Path,
    cfg: &FolderConfig,
    vs: &nn::VarStore,
    opt: &mut AdamW,
    ema: Option<&mut Ema>,
) -> Result<SavedState> {
    let checkpoint = checkpoint_file(out)?;
    // the config first: weights of another shape (another target, a prior added or dropped)
    // would not copy
    let mut state: SavedState = folder::read_yaml(out, folder::CHECKPOINT_STATE)?;
    let saved_cfg = saved_config(out, &state, cfg)?;
    restore_tensors(&checkpoint, vs, opt, ema)?;
    if !out.join(folder::CONFIG).is_file() {
        folder::write_yaml(out, folder::CONFIG, &saved_cfg)?;
    }
    state.config = Some(saved_cfg);
    Ok(state)
}

/// The checkpoint of the folder `out`, which must have one to resume.
fn checkpoint_file(out: &Path) -> Result<std::path::PathBuf> {
    let checkpoint = out.join(folder::CHECKPOINT);
    if !checkpoint.is_file() {
        let done = out.join(folder::WEIGHTS).is_file();
        return Err(Error::invalid(
            &checkpoint,
            if done {
                "no checkpoint: this training has finished"
            } else {
                "no checkpoint to resume from"
            },
        ));
    }
    Ok(checkpoint)
}

/// The config a checkpoint was written with (its own copy, or the folder's), which must be
/// the same run as `cfg`'s.
fn saved_config(out: &Path, state: &SavedState, cfg: &FolderConfig) -> Result<FolderConfig> {
    let saved = match &state.config {
        Some(c) => c.clone(),
        None => folder::read_config(out)?,
    };
    let channels = |c: &FolderConfig| c.prior.as_ref().map(|p| p.channels());
    if saved.model != cfg.model
        || !saved.train.same_run(&cfg.train)
        || channels(&saved) != channels(cfg)
    {
        return Err(Error::invalid(
            out.join(folder::CHECKPOINT_STATE),
            "was written for another model or training config: resume with the same --config and options (--preset, --architecture, --target, --prior, budgets)",
        ));
    }
    Ok(saved)
}

/// Reads the tensors of `checkpoint` into the weights `vs`, the optimizer's state and the
/// average of the weights, each of which it must hold.
fn restore_tensors(
    checkpoint: &Path,
    vs: &nn::VarStore,
    opt: &mut AdamW,
    ema: Option<&mut Ema>,
) -> Result<()> {
    let tensors: HashMap<String, Tensor> = Tensor::read_safetensors(checkpoint)
        .map_err(|e| Error::invalid(checkpoint, format!("cannot read the checkpoint: {e}")))?
        .into_iter()
        .collect();
    restore_weights(checkpoint, &tensors, vs)?;
    if !opt.restore(&tensors) {
        return Err(Error::invalid(checkpoint, "lacks the optimizer state"));
    }
    if let Some(ema) = ema
        && !ema.restore(&tensors)
    {
        return Err(Error::invalid(
            checkpoint,
            "lacks the average of the weights (train.ema)",
        ));
    }
    Ok(())
}

/// Copies the checkpoint's weights (`model.` tensors of `checkpoint`) into `vs`, each of
/// the variable's shape.
fn restore_weights(
    checkpoint: &Path,
    tensors: &HashMap<String, Tensor>,
    vs: &nn::VarStore,
) -> Result<()> {
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            let saved = tensors.get(&format!("model.{name}")).ok_or_else(|| {
                Error::invalid(checkpoint, format!("lacks the weights of {name}"))
            })?;
            if saved.size() != var.size() {
                return Err(Error::invalid(
                    checkpoint,
                    format!(
                        "its {name} is {:?}, the model's {:?}: written for another model",
                        saved.size(),
                        var.size()
                    ),
                ));
            }
            var.copy_(saved);
        }
        Ok(())
    })
}

/// Creates the folder `out` (new or empty) with its config, and a copy of the prior's count
/// table when there is one.
pub(super) fn create_folder(
    out: &Path,
    cfg: &FolderConfig,
    prior_table: Option<(&Path, &str)>,
) -> Result<SavedState> {
    refuse_used_folder(out)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    if let Some((table, name)) = prior_table {
        let dest = out.join(name);
        std::fs::copy(table, &dest).map_err(|e| Error::io(&dest, e))?;
    }
    folder::write_yaml(out, folder::CONFIG, cfg)?;
    Ok(SavedState {
        config: Some(cfg.clone()),
        ..SavedState::default()
    })
}

/// A new run's folder must not exist, or be empty.
fn refuse_used_folder(out: &Path) -> Result<()> {
    let used = std::fs::read_dir(out).map(|mut d| d.next().is_some());
    if out.exists() && used.unwrap_or(true) {
        return Err(Error::invalid(
            out,
            "exists and is not empty: choose a new folder, or continue a stopped run with --resume",
        ));
    }
    Ok(())
}

/// Writes weights + optimizer state (and the average of the weights), progress and metrics,
/// each atomically.
pub(super) fn write_checkpoint(
    out: &Path,
    vs: &nn::VarStore,
    (opt, ema): (&AdamW, Option<&Ema>),
    state: &SavedState,
) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (format!("model.{n}"), t))
        .collect();
    tensors.extend(opt.state());
    if let Some(ema) = ema {
        tensors.extend(ema.state());
    }
    let dest = out.join(folder::CHECKPOINT);
    let temp = crate::io::TempOutput::new(&dest)?;
    Tensor::write_safetensors(&tensors, temp.path())
        .map_err(|e| Error::write(&dest, "writing the checkpoint", e))?;
    temp.commit()?;
    folder::write_yaml(out, folder::CHECKPOINT_STATE, state)?;
    write_metrics(&out.join(folder::METRICS), &state.rows)
}

/// The final weights (the average of the weights with `train.ema`), then the checkpoint is
/// removed.
pub(super) fn finish(
    out: &Path,
    vs: &nn::VarStore,
    ema: Option<&mut Ema>,
    state: &SavedState,
) -> Result<()> {
    if let Some(ema) = ema {
        ema.swap(vs);
    }
    let dest = out.join(folder::WEIGHTS);
    let temp = crate::io::TempOutput::new(&dest)?;
    let tmp_name: PathBuf = temp.path().with_extension("safetensors");
    vs.save(&tmp_name)
        .map_err(|e| Error::write(&dest, "writing the weights", e))?;
    std::fs::rename(&tmp_name, &dest).map_err(|e| Error::io(&dest, e))?;
    drop(temp);
    write_metrics(&out.join(folder::METRICS), &state.rows)?;
    for name in [folder::CHECKPOINT, folder::CHECKPOINT_STATE] {
        let _ = std::fs::remove_file(out.join(name));
    }
    Ok(())
}

/// `metrics.parquet`: step, targets_seen, train_loss, valid_loss, valid_accuracy,
/// valid_bits, lr, wall_seconds (losses in nats per target, valid_bits in bits).
pub fn write_metrics(dest: &Path, rows: &[MetricsRow]) -> Result<()> {
    let col_f = |name: &str, f: fn(&MetricsRow) -> f64| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
    };
    let step: Vec<u64> = rows.iter().map(|r| r.step as u64).collect();
    let targets: Vec<u64> = rows.iter().map(|r| r.targets_seen).collect();
    let cols = vec![
        Column::new("step".into(), step),
        Column::new("targets_seen".into(), targets),
        col_f("train_loss", |r| r.train_loss),
        col_f("valid_loss", |r| r.valid_loss),
        col_f("valid_accuracy", |r| r.valid_accuracy),
        col_f("valid_bits", |r| r.valid_bits),
        col_f("lr", |r| r.lr),
        col_f("wall_seconds", |r| r.wall_seconds),
        col_f("data_wait", |r| r.data_wait),
    ];
    let mut df = DataFrame::new(rows.len(), cols).map_err(|e| Error::parquet(dest, e))?;
    let mut meta = Metadata::new();
    meta.insert("dnactx.kind".into(), "training_metrics".into());
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    pq::write(dest, &mut df, &meta)
}
