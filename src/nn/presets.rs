//! Named model sizes (`train-model --preset NAME`, `preset: NAME` in a run config): the
//! seed talk's three networks, the quality table's small ones for a CPU, and a large dilated
//! CNN for a GPU node. Each is a run config (YAML in `config/presets/`, which the workflow reads too); a user's config
//! given with it overrides its settings one by one.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::config::{ModelConfig, RunConfig};
use crate::{Error, Result};

/// One preset.
pub struct Preset {
    pub name: &'static str,
    /// Where it is meant to run, for `--list-presets` and the docs.
    pub purpose: &'static str,
    /// Trained only with a prior (`--prior`).
    pub needs_prior: bool,
    yaml: &'static str,
}

/// A preset whose YAML is `config/presets/NAME.yaml` (shared with the workflow).
macro_rules! preset {
    ($name:literal, $needs_prior:literal, $purpose:literal) => {
        Preset {
            name: $name,
            purpose: $purpose,
            needs_prior: $needs_prior,
            yaml: include_str!(concat!("../../config/presets/", $name, ".yaml")),
        }
    };
}

/// Every preset; `cpu-small` has one per architecture (`cpu-small` alone is the CNN).
pub const PRESETS: &[Preset] = &[
    preset!("seed-mlp", false, "the talk's MLP (flank 50); a GPU"),
    preset!("seed-cnn", false, "the talk's CNN (field 100); a GPU"),
    preset!(
        "seed-lstm",
        false,
        "the talk's best, conv + LSTM (flank 200); a GPU"
    ),
    preset!(
        "cpu-small-cnn",
        false,
        "the quality table's CNN: 30 CPU-minutes, a laptop or a CPU node"
    ),
    preset!(
        "cpu-small-lstm",
        false,
        "the quality table's LSTM: 30 CPU-minutes"
    ),
    preset!(
        "cpu-small-mlp",
        false,
        "the quality table's MLP: 30 CPU-minutes"
    ),
    preset!(
        "cpu-small-transformer",
        false,
        "the quality table's transformer: 30 CPU-minutes"
    ),
    preset!(
        "gpu-large",
        true,
        "dilated residual CNN, 29.4 M parameters, field 505, with a prior; a GPU node"
    ),
];

impl Preset {
    /// The preset's run config.
    pub fn run_config(&self) -> RunConfig {
        serde_yaml::from_str(self.yaml).expect("a bundled preset parses")
    }

    /// Its YAML, comments included.
    pub fn yaml(&self) -> &'static str {
        self.yaml
    }
}

/// The preset called `name`; `cpu-small` with an architecture (`--architecture`) is that
/// architecture's small preset, without one the CNN's.
pub fn find(name: &str, architecture: Option<&str>) -> Result<&'static Preset> {
    let full = match (name, architecture) {
        ("cpu-small", Some(a)) => format!("cpu-small-{a}"),
        ("cpu-small", None) => "cpu-small-cnn".to_string(),
        _ => name.to_string(),
    };
    let preset = PRESETS.iter().find(|p| p.name == full).ok_or_else(|| {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        Error::config(
            "--preset",
            format!(
                "no preset '{full}': use cpu-small (with any architecture) or one of {}",
                names.join(", ")
            ),
        )
    })?;
    if let Some(a) = architecture {
        let own = preset.run_config().model.name();
        if own != a {
            return Err(Error::config(
                "--architecture",
                format!(
                    "preset {}'s architecture is {own}, not {a}: leave out the architecture or pick another preset",
                    preset.name
                ),
            ));
        }
    }
    Ok(preset)
}

/// The run config of the config file `path` (none: an empty one), `--preset` and
/// `--architecture` (the model's, given in one place only); errors name the file.
pub fn load_run_config(
    path: Option<&Path>,
    preset: Option<&str>,
    architecture: Option<&str>,
) -> Result<(RunConfig, Option<&'static str>)> {
    let mut user = match path {
        Some(path) => read_yaml(path)?,
        None => Value::Null,
    };
    if let Some(arch) = architecture {
        set_architecture(&mut user, arch)?;
    }
    resolve(user, preset).map_err(|e| match (path, e) {
        (Some(p), Error::Config { msg, .. }) => Error::invalid(p, msg),
        (_, e) => e,
    })
}

/// The YAML of the file `path`; a parse error names its line.
fn read_yaml(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_yaml::from_str(&text).map_err(|e| match e.location() {
        Some(at) => Error::parse(path, at.line(), e.to_string()),
        None => Error::invalid(path, e.to_string()),
    })
}

/// Sets `model.architecture` of the run config `user` (`--architecture`), which must not
/// give one itself.
fn set_architecture(user: &mut Value, arch: &str) -> Result<()> {
    if user
        .get("model")
        .and_then(|m| m.get("architecture"))
        .is_some()
    {
        return Err(Error::config(
            "--architecture",
            "give the architecture in --config or with --architecture, not both",
        ));
    }
    if !["mlp", "cnn", "lstm", "transformer"].contains(&arch) {
        return Err(Error::config(
            "--architecture",
            format!("--architecture {arch}: use mlp, cnn, lstm or transformer"),
        ));
    }
    model_section(user)?.insert("architecture".into(), arch.into());
    Ok(())
}

/// The `model:` section of the run config `user`, made (with the config) when missing.
fn model_section(user: &mut Value) -> Result<&mut Mapping> {
    if user.is_null() {
        *user = Value::Mapping(Mapping::new());
    }
    let not_mapping = |what: &str| Error::config(what, format!("{what} must be a mapping"));
    let root = user
        .as_mapping_mut()
        .ok_or_else(|| not_mapping("the run config"))?;
    let model = root
        .entry("model".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    model.as_mapping_mut().ok_or_else(|| not_mapping("model:"))
}

/// The run config `user` (a config file's YAML) asks for: its `preset:` (or `preset`, from
/// the command line; not both unless they agree) with the user's `model:` and `train:`
/// settings laid over it one by one. Returns the config and the preset's name.
pub fn resolve(user: Value, preset: Option<&str>) -> Result<(RunConfig, Option<&'static str>)> {
    let mut user = match user {
        Value::Mapping(m) => m,
        Value::Null => Mapping::new(),
        _ => {
            return Err(Error::config(
                "--config",
                "the run config must be a mapping",
            ));
        }
    };
    let Some(name) = preset_name(&mut user, preset)? else {
        let run = serde_yaml::from_value(Value::Mapping(user))
            .map_err(|e| Error::config("--config", e.to_string()))?;
        return Ok((run, None));
    };
    let arch = user
        .get("model")
        .and_then(|m| m.get("architecture"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let p = find(&name, arch.as_deref())?;
    let base: Value = serde_yaml::from_str(p.yaml).expect("a bundled preset parses");
    Ok((with_user_settings(base, user)?, Some(p.name)))
}

/// The preset `base` with the user's `model:` and `train:` settings laid over it; any other
/// field is an error.
fn with_user_settings(mut base: Value, mut user: Mapping) -> Result<RunConfig> {
    for section in ["model", "train"] {
        if let Some(over) = user.remove(section) {
            lay_over(&mut base, section, over)?;
        }
    }
    if let Some((k, _)) = user.into_iter().next() {
        return Err(Error::config(
            "--config",
            format!("unknown field {k:?} in the run config: use preset, model and train"),
        ));
    }
    serde_yaml::from_value(base).map_err(|e| Error::config("--config", e.to_string()))
}

/// The preset asked for: the config's `preset:` (taken out of `user`) or `--preset`, which
/// must agree when both are given.
fn preset_name(user: &mut Mapping, preset: Option<&str>) -> Result<Option<String>> {
    let in_file = match user.remove("preset") {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            return Err(Error::config(
                "preset",
                format!("preset: must be a name, not {other:?}"),
            ));
        }
        None => None,
    };
    match (preset, in_file) {
        (Some(a), Some(b)) if a != b => Err(Error::config(
            "--preset",
            format!("--preset {a} and the config's preset: {b} differ: give one"),
        )),
        (Some(a), _) => Ok(Some(a.to_string())),
        (None, b) => Ok(b),
    }
}

/// The user's settings of `section` (a mapping), each laid over the preset's.
fn lay_over(base: &mut Value, section: &str, over: Value) -> Result<()> {
    let Value::Mapping(over) = over else {
        return Err(Error::config(
            section,
            format!("{section}: must be a mapping"),
        ));
    };
    let target = base
        .get_mut(section)
        .and_then(Value::as_mapping_mut)
        .expect("a preset has model and train");
    for (k, v) in over {
        target.insert(k, v);
    }
    Ok(())
}

/// One line per preset: name, architecture, parameters, field, forward FLOPs per base.
pub fn table(count: impl Fn(&ModelConfig) -> Result<(i64, usize)>) -> Result<String> {
    let mut out = String::from("preset\tarchitecture\tparameters\tfield\tflops_per_base\tuse\n");
    for p in PRESETS {
        let run = p.run_config();
        let (params, field) = count(&run.model)?;
        out.push_str(&format!(
            "{}\t{}\t{params}\t{field}\t{:.3e}\t{}{}\n",
            p.name,
            run.model.name(),
            super::flops::forward_per_position(&run.model),
            p.purpose,
            if p.needs_prior {
                " (needs --prior)"
            } else {
                ""
            }
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::config::CnnConfig;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn every_preset_parses_and_user_settings_override_it() {
        for p in PRESETS {
            let run = p.run_config();
            assert!(
                run.train.max_minutes > 0.0 || run.train.steps > 0,
                "{}",
                p.name
            );
        }
        let (run, name) = resolve(yaml("train:\n  batch: 3\n"), Some("gpu-large")).unwrap();
        assert_eq!(name, Some("gpu-large"));
        assert_eq!(run.train.batch, 3);
        assert_eq!(run.train.chunk, 4096);
        let ModelConfig::Cnn(c) = &run.model else {
            panic!()
        };
        assert!(c.norm && c.residual && c.channels == 512);
        // from the file, with an architecture choosing cpu-small's variant
        let (run, name) = resolve(
            yaml("preset: cpu-small\nmodel:\n  architecture: lstm\n  hidden: 32\n"),
            None,
        )
        .unwrap();
        assert_eq!(name, Some("cpu-small-lstm"));
        let ModelConfig::Lstm(l) = &run.model else {
            panic!()
        };
        assert_eq!((l.hidden, l.flank), (32, 100));
        // no preset: the file alone
        let (run, name) = resolve(yaml("model:\n  architecture: cnn\n"), None).unwrap();
        assert_eq!(name, None);
        assert_eq!(run.model, ModelConfig::Cnn(CnnConfig::default()));
    }

    #[test]
    fn bad_presets_are_named() {
        let e = |v: &str, p: Option<&str>| resolve(yaml(v), p).unwrap_err().to_string();
        assert!(e("{}", Some("gpu-huge")).contains("no preset 'gpu-huge'"));
        assert!(
            e("model:\n  architecture: lstm\n", Some("seed-cnn")).contains("architecture is cnn")
        );
        assert!(e("preset: seed-cnn\n", Some("seed-lstm")).contains("differ"));
        assert!(e("model:\n  chanels: 3\n", Some("seed-cnn")).contains("chanels"));
        assert!(e("trian: {}\n", Some("seed-cnn")).contains("trian"));
        assert!(e("preset: 3\n", None).contains("must be a name"));
    }
}
