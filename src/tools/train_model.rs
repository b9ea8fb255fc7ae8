//! train-model: a neural context model trained on a split's windows, written as a model
//! folder.

use std::path::PathBuf;

use crate::compute::{DeviceName, Dtype};
use crate::genome::Genome;
use crate::nn::config::TrainConfig;
use crate::nn::data::Repeats;
use crate::nn::prior::PriorSettings;
use crate::nn::train::{TrainRequest, train};
use crate::nn::{RunConfig, presets};
use crate::regions::bed;
use crate::target::Target;
use crate::{Error, Result};

/// Train a network from a config file or a preset into a model folder.
#[derive(Debug, Clone)]
pub struct TrainModel {
    pub genome: PathBuf,
    pub windows: PathBuf,
    /// The model folder written.
    pub output: PathBuf,
    /// A config file; else the preset; else cpu-small of `architecture`.
    pub config: Option<PathBuf>,
    pub preset: Option<String>,
    pub architecture: Option<String>,
    /// Settings over the config's `train:` section.
    pub overrides: TrainOverrides,
    /// Repeat BED for the repeat loss weight.
    pub repeats: Option<PathBuf>,
    /// A count table or an FM-index fed to the head as a prior, and its settings.
    pub prior: Option<(PathBuf, PriorSettings)>,
    pub device: DeviceName,
    /// libtorch's threads (0: its default).
    pub threads: usize,
    pub resume: bool,
    pub quiet: bool,
    pub profile: bool,
}

/// The settings that override a config's `train:` section (`None`: the config's).
#[derive(Debug, Clone, Default)]
pub struct TrainOverrides {
    pub steps: Option<usize>,
    pub max_minutes: Option<f64>,
    pub max_targets: Option<u64>,
    pub target: Option<Target>,
    pub precision: Option<Dtype>,
    pub prefetch: Option<usize>,
    pub loaders: Option<usize>,
}

impl TrainOverrides {
    fn apply(&self, train: &mut TrainConfig) {
        if let Some(s) = self.steps {
            train.steps = s;
        }
        if let Some(m) = self.max_minutes {
            train.max_minutes = m;
        }
        if let Some(t) = self.max_targets {
            train.max_targets = t;
        }
        if let Some(t) = self.target {
            train.target = t;
        }
        if let Some(d) = self.precision {
            train.precision = d;
        }
        if let Some(n) = self.prefetch {
            train.prefetch = Some(n);
        }
        if let Some(n) = self.loaders {
            train.loaders = n;
        }
    }
}

impl TrainModel {
    pub fn run(&self) -> Result<()> {
        self.check_outputs()?;
        if self.threads > 0 {
            tch::set_num_threads(self.threads as i32);
        }
        let device = crate::nn::device::resolve(self.device)?;
        let (run, preset) = self.run_config()?;
        let genome = Genome::open(&self.genome)?;
        train(TrainRequest {
            genome: &genome,
            windows: &self.windows,
            repeats: self.repeats(&genome)?,
            out: &self.output,
            run,
            preset: preset.map(str::to_string),
            prior: self.prior.clone(),
            device,
            resume: self.resume,
            quiet: self.quiet,
            profile: self.profile,
        })
    }

    /// Refuses an output folder that is an input or standard output.
    fn check_outputs(&self) -> Result<()> {
        let inputs = [&self.genome, &self.windows]
            .into_iter()
            .chain(&self.config)
            .chain(&self.repeats)
            .chain(self.prior.as_ref().map(|(p, _)| p));
        crate::io::refuse_overwrite(inputs, [&self.output])?;
        crate::io::refuse_stdout(&self.output, "train-model writes a model folder")
    }

    /// The repeat annotation, per contig.
    fn repeats(&self, genome: &Genome) -> Result<Option<Repeats<'_>>> {
        let Some(path) = &self.repeats else {
            return Ok(None);
        };
        let by_contig = bed::read_sets(path, genome)?;
        Ok(Some(Repeats { path, by_contig }))
    }

    /// The run's config: the config file or preset, the prior a preset needs, the
    /// overrides over its train section; and the preset's name.
    fn run_config(&self) -> Result<(RunConfig, Option<&'static str>)> {
        let (mut run, preset) = presets::load_run_config(
            self.config.as_deref(),
            self.preset.as_deref(),
            self.architecture.as_deref(),
        )?;
        if let Some(p) = preset.and_then(|p| presets::find(p, None).ok())
            && p.needs_prior
            && self.prior.is_none()
        {
            return Err(Error::config(
                "--prior",
                format!(
                    "preset {} is meant to learn a correction to a prior: give --prior (an FM-index from index-genome, or a count table from count-kmers)",
                    p.name
                ),
            ));
        }
        self.overrides.apply(&mut run.train);
        Ok((run, preset))
    }
}

/// The presets as a table, with each one's parameters and field (`--list-presets`).
pub fn preset_table() -> Result<String> {
    presets::table(preset_size)
}

/// Parameters and field of a model config, built on the CPU.
fn preset_size(model: &crate::nn::ModelConfig) -> Result<(i64, usize)> {
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let net = crate::nn::arch::build(&vs.root(), model, 0, Default::default())?;
    Ok((crate::nn::parameter_count(&vs), net.field()))
}
