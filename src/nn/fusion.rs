//! A fusion model, as the seed talk describes it: a repeat-trained and a non-repeat-trained
//! model mixed at each position by a classifier's probability that the position lies in a
//! repeat, `p = r * p_repeat + (1 - r) * p_non_repeat`.
//!
//! It is a YAML file that names three model folders (paths relative to the file):
//!
//! ```yaml
//! fusion:
//!   classifier: repeat-classifier   # train-model --target repeat
//!   repeat: cnn-repeat              # train.only: repeat (any model of the base)
//!   non_repeat: cnn-non-repeat      # train.only: non_repeat
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tch::Device;

use super::NeuralModel;
use crate::compute::Dtype;
use crate::predict::{NO_PREDICTION, Predictor, Probs};
use crate::target::Target;
use crate::{Error, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    fusion: Spec,
}

/// The three model folders of a fusion model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub classifier: PathBuf,
    pub repeat: PathBuf,
    pub non_repeat: PathBuf,
}

/// A repeat classifier and two models of the base, mixed by the classifier.
pub struct FusedModel {
    pub classifier: NeuralModel,
    pub repeat: NeuralModel,
    pub non_repeat: NeuralModel,
    /// The folders, as resolved from the file.
    pub spec: Spec,
    flank: usize,
}

impl FusedModel {
    /// Reads a fusion file and loads its three models onto `device`; refuses a classifier
    /// that is not one, a member that does not predict the base, and members trained on
    /// different genomes.
    pub fn load(path: &Path, device: Device, precision: Dtype) -> Result<FusedModel> {
        let spec = Spec::read(path)?;
        let load = |role: &str, folder: &Path, want: Target| {
            load_member(path, (role, folder, want), device, precision)
        };
        let classifier = load("classifier", &spec.classifier, Target::Repeat)?;
        let repeat = load("repeat", &spec.repeat, Target::Base)?;
        let non_repeat = load("non_repeat", &spec.non_repeat, Target::Base)?;
        same_genome(
            path,
            &classifier,
            [("repeat", &repeat), ("non_repeat", &non_repeat)],
        )?;
        let flank = classifier
            .flank()
            .max(repeat.flank())
            .max(non_repeat.flank());
        Ok(FusedModel {
            classifier,
            repeat,
            non_repeat,
            spec,
            flank,
        })
    }

    /// Parameters of the three networks together.
    pub fn parameters(&self) -> i64 {
        [&self.classifier, &self.repeat, &self.non_repeat]
            .iter()
            .map(|m| m.config.parameters)
            .sum()
    }

    /// The chunks cut down to `flank` bases each side (they hold `self.flank`).
    fn trimmed(&self, chunks: &[Vec<u8>], flank: usize) -> Vec<Vec<u8>> {
        let cut = self.flank - flank;
        chunks
            .iter()
            .map(|c| c[cut..c.len() - cut].to_vec())
            .collect()
    }

    /// The classifier's probability of a repeat at the central positions of `chunks`.
    pub fn repeat_probability(&self, chunks: &[Vec<u8>]) -> Result<Vec<Vec<f32>>> {
        let own = self.trimmed(chunks, self.classifier.flank());
        Ok(self
            .classifier
            .predict_classes(&own)?
            .into_iter()
            .map(|v| v.chunks_exact(2).map(|q| q[1]).collect())
            .collect())
    }
}

impl Predictor for FusedModel {
    fn flank(&self) -> usize {
        self.flank
    }

    fn describe(&self) -> String {
        format!(
            "fusion of a {} (repeats) and a {} (non-repeats) by a {} repeat classifier, field {} ({} parameters)",
            self.repeat.config.model.name(),
            self.non_repeat.config.model.name(),
            self.classifier.config.model.name(),
            self.flank,
            self.parameters()
        )
    }

    /// The smallest of the members' chunks, and the smallest of their calls (perhaps of
    /// two members), so that every member's chunks fit its own rows (on CUDA packed into its
    /// fixed shape, which a longer chunk would leave).
    fn chunking(&self) -> (usize, usize) {
        let members = [&self.classifier, &self.repeat, &self.non_repeat].map(|m| m.chunking());
        let smallest = |f: fn(&(usize, usize)) -> usize| members.iter().map(f).min();
        (
            smallest(|c| c.0).unwrap_or(1),
            smallest(|c| c.1).unwrap_or(1),
        )
    }

    fn predict_chunks(&self, chunks: &[Vec<u8>]) -> Result<Vec<Vec<Probs>>> {
        let r = self.repeat_probability(chunks)?;
        let a = self
            .repeat
            .predict_chunks(&self.trimmed(chunks, self.repeat.flank()))?;
        let b = self
            .non_repeat
            .predict_chunks(&self.trimmed(chunks, self.non_repeat.flank()))?;
        Ok(r.iter()
            .zip(a.iter().zip(&b))
            .map(|(r, (a, b))| {
                r.iter()
                    .zip(a.iter().zip(b))
                    .map(|(&r, (pa, pb))| {
                        if r.is_nan() || pa[0].is_nan() || pb[0].is_nan() {
                            NO_PREDICTION
                        } else {
                            std::array::from_fn(|k| r * pa[k] + (1.0 - r) * pb[k])
                        }
                    })
                    .collect()
            })
            .collect())
    }
}

impl Spec {
    /// The fusion file `path`'s three model folders, relative to its folder.
    fn read(path: &Path) -> Result<Spec> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: SpecFile =
            serde_yaml::from_str(&text).map_err(|e| Error::invalid(path, e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Ok(Spec {
            classifier: dir.join(&file.fusion.classifier),
            repeat: dir.join(&file.fusion.repeat),
            non_repeat: dir.join(&file.fusion.non_repeat),
        })
    }
}

/// The members of the fusion file `path` (role, model) must have been trained on the
/// classifier's genome.
fn same_genome(
    path: &Path,
    classifier: &NeuralModel,
    members: [(&str, &NeuralModel); 2],
) -> Result<()> {
    let genome = &classifier.config.data.genome_checksum;
    for (role, m) in members {
        if &m.config.data.genome_checksum != genome {
            return Err(Error::other_genome(
                path,
                format!(
                    "fusion.{role} was trained on another genome ({} {}) than the classifier ({} {genome})",
                    m.config.data.genome,
                    m.config.data.genome_checksum,
                    classifier.config.data.genome
                ),
            ));
        }
    }
    Ok(())
}

/// One member of the fusion file `path`: the model folder of its `role`, which must predict
/// `want`.
fn load_member(
    path: &Path,
    (role, folder, want): (&str, &Path, Target),
    device: Device,
    precision: Dtype,
) -> Result<NeuralModel> {
    if !super::folder::is_model_folder(folder) {
        let what = format!(
            "{} is not a model folder from train-model",
            folder.display()
        );
        return Err(Error::wrong_kind(path, format!("fusion.{role}: {what}")));
    }
    let m = NeuralModel::load(folder, device, precision)?;
    let got = m.config.train.target;
    if got != want {
        return Err(Error::invalid(
            path,
            format!(
                "fusion.{role}: {} predicts the {got}; a fusion's {role} must predict the {want} (train.target: {want})",
                folder.display()
            ),
        ));
    }
    Ok(m)
}
