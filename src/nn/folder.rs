//! The self-describing model folder: `config.yaml` (architecture, field, training settings,
//! splits, genome checksum, dnactx version), `weights.safetensors`, `metrics.parquet`, and
//! while training `checkpoint.safetensors` + `checkpoint.yaml` for `--resume`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::{ModelConfig, TrainConfig};
use crate::io::TempOutput;
use crate::{Error, Result};

pub const CONFIG: &str = "config.yaml";
pub const WEIGHTS: &str = "weights.safetensors";
pub const METRICS: &str = "metrics.parquet";
pub const CHECKPOINT: &str = "checkpoint.safetensors";
pub const CHECKPOINT_STATE: &str = "checkpoint.yaml";

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataInfo {
    pub genome: String,
    /// FNV-1a 64 over every contig's name, length and bases.
    pub genome_checksum: String,
    pub windows: String,
    pub train_chroms: Vec<String>,
    pub valid_chroms: Vec<String>,
    pub train_bases: u64,
    pub valid_bases: u64,
    pub repeats: Option<String>,
}

/// `config.yaml` of a model folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderConfig {
    pub dnactx_version: String,
    pub model: ModelConfig,
    pub train: TrainConfig,
    /// Declared receptive field on each side (bases).
    pub field: usize,
    /// Bases every position sees at least on each side.
    pub min_field: usize,
    pub parameters: i64,
    /// Forward FLOPs per scored base (multiply-adds count two; see `nn::flops`).
    #[serde(default)]
    pub flops_per_base: f64,
    /// The preset the run config started from (`train-model --preset`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    pub data: DataInfo,
    /// The k-mer prior fed to the head, if any (its table is `prior.parquet`).
    #[serde(default)]
    pub prior: Option<super::prior::PriorInfo>,
}

/// Training progress saved with a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    pub step: usize,
    pub targets_seen: u64,
    pub wall_seconds: f64,
    pub loss_sum: f64,
    pub loss_steps: usize,
    /// Targets seen and seconds trained when warm-up ended: where the decay starts.
    #[serde(default)]
    pub warmup_end: Option<(u64, f64)>,
}

/// True when `path` looks like a model folder (a folder with `config.yaml`).
pub fn is_model_folder(path: &Path) -> bool {
    path.is_dir() && path.join(CONFIG).is_file()
}

/// Reads and checks `config.yaml`: it must come from this dnactx version.
pub fn read_config(folder: &Path) -> Result<FolderConfig> {
    let path = folder.join(CONFIG);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    // The version first, so an old folder says so rather than failing on a renamed field.
    let value: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| Error::invalid(&path, format!("not YAML: {e}")))?;
    let version = value
        .get("dnactx_version")
        .and_then(|v| v.as_str())
        .unwrap_or("unknown");
    if version != crate::VERSION {
        return Err(Error::other_version(
            &path,
            format!(
                "model folder written by dnactx {version}, this is dnactx {}: retrain the model with this version (or score with that one)",
                crate::VERSION
            ),
        ));
    }
    serde_yaml::from_value(value).map_err(|e| Error::invalid(&path, e.to_string()))
}

/// Writes `text` to `folder/name` atomically.
pub fn write_text(folder: &Path, name: &str, text: &str) -> Result<()> {
    let dest = folder.join(name);
    let temp = TempOutput::new(&dest)?;
    std::fs::write(temp.path(), text).map_err(|e| Error::io(&dest, e))?;
    temp.commit()
}

/// Writes YAML atomically.
pub fn write_yaml<T: Serialize>(folder: &Path, name: &str, value: &T) -> Result<()> {
    let text = serde_yaml::to_string(value).map_err(|e| Error::Internal(e.to_string()))?;
    write_text(folder, name, &text)
}

/// Reads YAML, naming the file on error.
pub fn read_yaml<T: for<'de> Deserialize<'de>>(folder: &Path, name: &str) -> Result<T> {
    let path = folder.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_yaml::from_str(&text).map_err(|e| Error::invalid(&path, e.to_string()))
}

/// Path of a file in the folder.
pub fn file(folder: &Path, name: &str) -> PathBuf {
    folder.join(name)
}
