//! Train / valid / test splits by chromosome, from YAML or flags.
//!
//! ```yaml
//! train: [chr_1, chr_2]   # a list of chromosomes ...
//! valid: []
//! test: rest              # ... or `rest`: every chromosome not named elsewhere
//! valid_fraction: 0.05    # optional: this share of train windows moves to valid
//! seed: 1                 # seeds that choice
//! ```
//! The same mapping may sit under a `splits:` key (as in the workflow's config.yaml).

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::rng::SplitMix64;
use crate::{Error, Result};

/// The split a window belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Valid,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Split> {
        Split::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Chromosomes of one split: an explicit list, or every chromosome not listed elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ChromList {
    List(Vec<String>),
    Keyword(String),
}

impl Default for ChromList {
    fn default() -> Self {
        ChromList::List(Vec::new())
    }
}

impl ChromList {
    /// Parses a flag value: `rest`, or chromosomes separated by commas.
    pub fn from_flag(s: &str) -> ChromList {
        if s == REST {
            ChromList::Keyword(REST.into())
        } else {
            ChromList::List(
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        }
    }
}

/// The keyword for "all chromosomes not named by another split".
pub const REST: &str = "rest";

/// Which chromosomes go to which split, and how many train windows move to valid.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitConfig {
    #[serde(default)]
    pub train: ChromList,
    #[serde(default)]
    pub valid: ChromList,
    #[serde(default)]
    pub test: ChromList,
    #[serde(default)]
    pub valid_fraction: f64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Contig classes beyond primary sequence that the splits take (`random`, `unplaced`,
    /// `alt`, `decoy`, `hla`, `mito`, `other`): `rest` takes unplaced, mito and other ones;
    /// alt, random, decoy and HLA contigs go with their parent.
    #[serde(default)]
    pub include: Vec<String>,
}

fn default_seed() -> u64 {
    1
}

impl SplitConfig {
    /// Reads the splits from a YAML file, at its top level or under `splits:`.
    pub fn from_yaml(path: &Path) -> Result<SplitConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let value: serde_yaml::Value =
            serde_yaml::from_str(&text).map_err(|e| yaml_error(path, e))?;
        let value = match value.get("splits") {
            Some(v) => v.clone(),
            None => value,
        };
        serde_yaml::from_value(value).map_err(|e| yaml_error(path, e))
    }

    pub fn list(&self, split: Split) -> &ChromList {
        match split {
            Split::Train => &self.train,
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        }
    }
}

fn yaml_error(path: &Path, e: serde_yaml::Error) -> Error {
    match e.location() {
        Some(loc) => Error::parse(path, loc.line(), e.to_string()),
        None => Error::invalid(path, e.to_string()),
    }
}

/// Picks `count` distinct indices of `0..n`, seeded (partial Fisher-Yates), sorted.
pub fn sample_indices(n: usize, count: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(seed);
    let count = count.min(n);
    for i in 0..count {
        let j = i + rng.below((n - i) as u64) as usize;
        idx.swap(i, j);
    }
    let mut chosen = idx[..count].to_vec();
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_forms() {
        let c: SplitConfig =
            serde_yaml::from_str("train: [a, b]\ntest: rest\nvalid_fraction: 0.1").unwrap();
        assert_eq!(c.train, ChromList::List(vec!["a".into(), "b".into()]));
        assert_eq!(c.test, ChromList::Keyword("rest".into()));
        assert!(serde_yaml::from_str::<SplitConfig>("trian: [a]").is_err());
    }

    #[test]
    fn sampling_is_seeded_and_distinct() {
        let a = sample_indices(100, 10, 7);
        assert_eq!(a, sample_indices(100, 10, 7));
        assert_ne!(a, sample_indices(100, 10, 8));
        let mut d = a.clone();
        d.dedup();
        assert_eq!(d.len(), 10);
        assert_eq!(sample_indices(3, 10, 1), vec![0, 1, 2]);
    }
}
