//! The model flags shared by every tool that predicts (score-genome, score-variants,
//! explain-flanks), and loading a model, told apart by what its path is.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::kmer::{KmerModel, KmerSettings, table};
use crate::markov::{FmdIndex, MarkovModel, MarkovSettings, index::is_index_file};
use crate::predict::Predictor;

/// Which model and how to run it.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// The model: a k-mer count table (.parquet) from count-kmers, an FM-index (.fmd) from
    /// index-genome, a model folder from train-model, or a fusion model (.yaml naming a
    /// repeat classifier and two model folders) (told apart by what the path is).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub path: PathBuf,
    #[command(flatten)]
    pub compute: crate::compute::ComputeArgs,
    /// Pseudocount per base for the k-mer model [default: 4 with backoff (the best bits and
    /// accuracy on the demo genome for k = 5), 1 without].
    #[arg(long)]
    pub pseudocount: Option<f64>,
    /// No backoff: score only positions whose whole (2k+1)-window is A/C/G/T, unseen
    /// contexts uniform.
    #[arg(long)]
    pub no_backoff: bool,
    /// Memory budget for dense model tables, GiB.
    #[arg(long, default_value_t = 4.0)]
    pub memory_gb: f64,
    #[command(flatten)]
    pub markov: MarkovArgs,
}

/// The settings of an FM-index (bidirectional Markov) model.
#[derive(clap::Args, Debug, Clone)]
pub struct MarkovArgs {
    /// FM-index models: the largest order k, bases each side (1..=16).
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_K)]
    pub max_order: usize,
    /// FM-index models: the weight of the lower order's prediction in each order's.
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_ALPHA)]
    pub alpha: f64,
    /// FM-index models: the lowest order of the interpolation chain.
    #[arg(long, default_value_t = MarkovSettings::DEFAULT_MIN_ORDER)]
    pub min_order: usize,
    /// FM-index models: do not leave an indexed position's own occurrence out when scoring
    /// it (in-sample scores are then optimistic).
    #[arg(long)]
    pub no_leave_one_out: bool,
    /// FM-index models: score a genome other than the one indexed (contig names or lengths
    /// differ; no leave-one-out).
    #[arg(long)]
    pub other_genome: bool,
}

impl MarkovArgs {
    pub fn settings(&self) -> MarkovSettings {
        MarkovSettings {
            k: self.max_order,
            alpha: self.alpha,
            min_order: self.min_order,
            leave_one_out: !self.no_leave_one_out,
        }
    }

    /// Loads an index as a model for scoring `genome`.
    pub fn load(&self, path: &std::path::Path, genome: &Genome) -> Result<MarkovModel> {
        let index = FmdIndex::load(path)?;
        let model = MarkovModel::new(index, self.settings())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        match model.check_genome(&genome.contig_lengths()) {
            Ok(()) if self.other_genome => Ok(model.without_leave_one_out()),
            Ok(()) => Ok(model.with_contig_check(genome.clone())),
            Err(_) if self.other_genome => Ok(model.without_leave_one_out()),
            Err(e) => bail!(
                "{}: {e}; not the genome scored, {} (pass --other-genome to score it anyway, without leave-one-out)",
                path.display(),
                genome.path().display()
            ),
        }
    }
}

/// Provenance of a Markov model for outputs' metadata.
pub fn markov_metadata(path: &std::path::Path, model: &MarkovModel) -> Metadata {
    let s = model.settings();
    let m = &model.index().meta;
    let mut meta = Metadata::new();
    meta.insert("dnactx.model".into(), crate::io::file_name(path));
    meta.insert("dnactx.model_kind".into(), "markov".into());
    meta.insert("dnactx.k".into(), s.k.to_string());
    meta.insert("dnactx.alpha".into(), s.alpha.to_string());
    meta.insert("dnactx.min_order".into(), s.min_order.to_string());
    meta.insert("dnactx.leave_one_out".into(), s.leave_one_out.to_string());
    meta.insert("dnactx.strands".into(), "both".into());
    meta.insert(
        "dnactx.indexed".into(),
        format!(
            "{} {} split={} chroms={}",
            m.genome, m.checksum, m.split, m.chroms
        ),
    );
    meta
}

impl ModelArgs {
    /// Loads the model with the provenance to write into outputs' metadata.
    pub fn load(
        &self,
        common: &super::Common,
        genome: &Genome,
    ) -> Result<(Box<dyn Predictor>, Metadata)> {
        if self.path.is_dir() {
            return self.load_neural(common);
        }
        let ext = self.path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if self.path.is_file() && matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml") {
            return self.load_fusion(common);
        }
        if is_index_file(&self.path) {
            let model = self.markov.load(&self.path, genome)?;
            let meta = markov_metadata(&self.path, &model);
            return Ok((Box::new(model), meta));
        }
        let pseudocount = self
            .pseudocount
            .unwrap_or(if self.no_backoff { 1.0 } else { 4.0 });
        if pseudocount <= 0.0 || pseudocount.is_nan() {
            bail!("--pseudocount must be above 0, got {pseudocount}");
        }
        let budget = (self.memory_gb * (1u64 << 30) as f64) as u64;
        let (counts, cmeta) = table::read_model(&self.path, budget)?;
        let settings = KmerSettings {
            pseudocount,
            backoff: !self.no_backoff,
            budget_bytes: budget,
            keep_counts: false,
        };
        let model = KmerModel::new(counts, settings);
        let mut meta = Metadata::new();
        meta.insert("dnactx.model".into(), crate::io::file_name(&self.path));
        meta.insert("dnactx.model_kind".into(), "kmer".into());
        meta.insert("dnactx.k".into(), cmeta.k.to_string());
        meta.insert("dnactx.strands".into(), cmeta.strands.as_str().into());
        meta.insert("dnactx.pseudocount".into(), pseudocount.to_string());
        meta.insert("dnactx.backoff".into(), settings.backoff.to_string());
        Ok((Box::new(model), meta))
    }

    /// The device and arithmetic of neural models, libtorch's threads set.
    #[cfg(feature = "torch")]
    fn torch_settings(
        &self,
        common: &super::Common,
    ) -> Result<(tch::Device, crate::compute::Dtype)> {
        let default = crate::compute::Dtype::Auto;
        Ok(crate::nn::device::setup(
            &self.compute,
            default,
            common.threads,
        )?)
    }

    #[cfg(feature = "torch")]
    fn load_fusion(&self, common: &super::Common) -> Result<(Box<dyn Predictor>, Metadata)> {
        let (dev, precision) = self.torch_settings(common)?;
        let model = crate::nn::fusion::FusedModel::load(&self.path, dev, precision)?;
        let mut meta = Metadata::new();
        meta.insert("dnactx.model".into(), crate::io::file_name(&self.path));
        meta.insert("dnactx.model_kind".into(), "fusion".into());
        for (role, folder) in [
            ("classifier", &model.spec.classifier),
            ("repeat", &model.spec.repeat),
            ("non_repeat", &model.spec.non_repeat),
        ] {
            meta.insert(
                format!("dnactx.fusion.{role}"),
                folder.display().to_string(),
            );
        }
        meta.insert("dnactx.field".into(), model.flank().to_string());
        meta.insert("dnactx.parameters".into(), model.parameters().to_string());
        meta.insert("dnactx.device".into(), crate::nn::device::device_name(dev));
        meta.insert("dnactx.dtype".into(), precision.name_on(dev).into());
        let c = &model.classifier.config.data;
        meta.insert(
            "dnactx.trained_on".into(),
            format!("{} {}", c.genome, c.genome_checksum),
        );
        Ok((Box::new(model), meta))
    }

    #[cfg(not(feature = "torch"))]
    fn load_fusion(&self, _common: &super::Common) -> Result<(Box<dyn Predictor>, Metadata)> {
        bail!(
            "{}: is a fusion model (a YAML file), but this build of dnactx has no neural models: rebuild with `cargo build --release --features torch` (scripts/setup.sh does)",
            self.path.display()
        )
    }

    #[cfg(feature = "torch")]
    fn load_neural(&self, common: &super::Common) -> Result<(Box<dyn Predictor>, Metadata)> {
        use crate::nn::{NeuralModel, device};
        let (dev, precision) = self.torch_settings(common)?;
        let model = NeuralModel::load(&self.path, dev, precision)?;
        let c = &model.config;
        if c.train.target == crate::target::Target::Repeat {
            bail!(
                "{}: is a repeat classifier (train.target: repeat): it predicts repeats, not bases; use it in a fusion model (a YAML file naming it, see docs/cli.md, train-model)",
                self.path.display()
            );
        }
        let mut meta = Metadata::new();
        meta.insert("dnactx.model".into(), crate::io::file_name(&self.path));
        meta.insert("dnactx.model_kind".into(), c.model.name().into());
        meta.insert("dnactx.target".into(), c.train.target.name().into());
        meta.insert("dnactx.field".into(), c.field.to_string());
        meta.insert("dnactx.parameters".into(), c.parameters.to_string());
        meta.insert("dnactx.device".into(), device::device_name(dev));
        meta.insert("dnactx.dtype".into(), precision.name_on(dev).into());
        meta.insert(
            "dnactx.trained_on".into(),
            format!("{} {}", c.data.genome, c.data.genome_checksum),
        );
        Ok((Box::new(model), meta))
    }

    #[cfg(not(feature = "torch"))]
    fn load_neural(&self, _common: &super::Common) -> Result<(Box<dyn Predictor>, Metadata)> {
        bail!(
            "{}: is a model folder, but this build of dnactx has no neural models: rebuild with `cargo build --release --features torch` (scripts/setup.sh does)",
            self.path.display()
        )
    }
}

/// Refuses a model that does not predict the base (a two-class model of the pair or type):
/// `tool` works on base probabilities.
pub fn require_base(model: &dyn Predictor, path: &std::path::Path, tool: &str) -> Result<()> {
    let t = model.target();
    if !t.is_base() {
        bail!(
            "{}: predicts the base {t} (two classes), not the base: {tool} needs a model of the base (train.target: base)",
            path.display()
        );
    }
    Ok(())
}
