//! Every kind of model behind one seam: a path is told apart by what it is (a model folder,
//! a fusion YAML, an FM-index, a count table), loaded by its [`ModelKind`] as a
//! [`Predictor`] with the provenance to write into outputs' metadata. The tools that
//! predict (score-genome, score-variants, explain-flanks) call [`load`] and never ask which
//! kind they got.

use std::path::Path;

use crate::compute::ComputeArgs;
use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::kmer::{KmerModel, KmerSettings, table};
use crate::markov::{FmdIndex, MarkovModel, MarkovSettings, index::is_index_file};
use crate::predict::Predictor;
use crate::{Error, Result};

/// How to load and run a model of any kind (each kind reads its own part).
#[derive(Debug, Clone)]
pub struct ModelOptions {
    pub kmer: KmerOptions,
    pub markov: MarkovOptions,
    /// The device and arithmetic of neural models.
    pub compute: ComputeArgs,
    /// libtorch's threads (0: its default).
    pub threads: usize,
}

/// A count table's scoring settings.
#[derive(Debug, Clone)]
pub struct KmerOptions {
    /// Per base; `None`: 4 with backoff, 1 without.
    pub pseudocount: Option<f64>,
    pub backoff: bool,
    /// Memory budget for dense tables.
    pub memory_bytes: u64,
}

/// An FM-index's scoring settings, and whether it may score another genome than its own.
#[derive(Debug, Clone)]
pub struct MarkovOptions {
    pub settings: MarkovSettings,
    /// Score a genome other than the one indexed (no leave-one-out).
    pub other_genome: bool,
}

/// A loaded model and its provenance.
pub struct Loaded {
    pub predictor: Box<dyn Predictor>,
    pub meta: Metadata,
}

/// One kind of model: how to recognise its path and load it.
pub trait ModelKind: Sync {
    /// Whether `path` holds a model of this kind.
    fn is_kind(&self, path: &Path) -> bool;
    /// Loads the model at `path` to score `genome`.
    fn load(&self, path: &Path, genome: &Genome, opts: &ModelOptions) -> Result<Loaded>;
}

/// The kinds, asked in order; a path none claims is read as a count table.
pub const KINDS: &[&dyn ModelKind] = &[&NeuralFolder, &FusionYaml, &FmIndex, &CountTable];

/// A model and how to run it: what a tool that predicts is given.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// A count table, an FM-index, a model folder or a fusion YAML.
    pub path: std::path::PathBuf,
    pub options: ModelOptions,
}

impl ModelSpec {
    /// Loads the model to score `genome` ([`load`]).
    pub fn load(&self, genome: &Genome) -> Result<Loaded> {
        load(&self.path, genome, &self.options)
    }
}

/// Loads the model at `path`, whatever its kind.
pub fn load(path: &Path, genome: &Genome, opts: &ModelOptions) -> Result<Loaded> {
    let kind = KINDS
        .iter()
        .find(|k| k.is_kind(path))
        .copied()
        .unwrap_or(&CountTable);
    kind.load(path, genome, opts)
}

/// Refuses a model that does not predict the base (a two-class model of the pair or type):
/// `tool` works on base probabilities.
pub fn require_base(model: &dyn Predictor, path: &Path, tool: &str) -> Result<()> {
    let t = model.target();
    if !t.is_base() {
        return Err(Error::wrong_kind(
            path,
            format!(
                "predicts the base {t} (two classes), not the base: {tool} needs a model of the base (train.target: base)"
            ),
        ));
    }
    Ok(())
}

/// A count table from count-kmers (`.parquet`).
pub struct CountTable;

impl ModelKind for CountTable {
    fn is_kind(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn load(&self, path: &Path, _genome: &Genome, opts: &ModelOptions) -> Result<Loaded> {
        let o = &opts.kmer;
        let pseudocount = o.pseudocount.unwrap_or(if o.backoff { 4.0 } else { 1.0 });
        if pseudocount <= 0.0 || pseudocount.is_nan() {
            return Err(Error::config(
                "--pseudocount",
                format!("--pseudocount must be above 0, got {pseudocount}"),
            ));
        }
        let (counts, cmeta) = table::read_model(path, o.memory_bytes)?;
        let settings = KmerSettings {
            pseudocount,
            backoff: o.backoff,
            budget_bytes: o.memory_bytes,
            keep_counts: false,
        };
        let mut meta = provenance(path, "kmer");
        meta.insert("dnactx.k".into(), cmeta.k.to_string());
        meta.insert("dnactx.strands".into(), cmeta.strands.as_str().into());
        meta.insert("dnactx.pseudocount".into(), pseudocount.to_string());
        meta.insert("dnactx.backoff".into(), settings.backoff.to_string());
        Ok(Loaded {
            predictor: Box::new(KmerModel::new(counts, settings)),
            meta,
        })
    }
}

/// An FM-index from index-genome (`.fmd`), the bidirectional Markov model.
pub struct FmIndex;

impl ModelKind for FmIndex {
    fn is_kind(&self, path: &Path) -> bool {
        is_index_file(path)
    }

    fn load(&self, path: &Path, genome: &Genome, opts: &ModelOptions) -> Result<Loaded> {
        let model = load_markov(path, genome, &opts.markov)?;
        let meta = markov_metadata(path, &model);
        Ok(Loaded {
            predictor: Box::new(model),
            meta,
        })
    }
}

/// Loads an index as a model for scoring `genome`: its own genome (leave-one-out, each
/// indexed contig's bases checked as scoring reaches it) or, with `other_genome`, any.
pub fn load_markov(path: &Path, genome: &Genome, opts: &MarkovOptions) -> Result<MarkovModel> {
    let index = FmdIndex::load(path)?;
    let model =
        MarkovModel::new(index, opts.settings).map_err(|e| Error::invalid(path, e.to_string()))?;
    match model.check_genome(path, &genome.contig_lengths()) {
        _ if opts.other_genome => Ok(model.without_leave_one_out()),
        Ok(()) => Ok(model.with_contig_check(genome.clone())),
        Err(Error::OtherGenome { path, msg }) => Err(Error::OtherGenome {
            path,
            msg: format!(
                "{msg}; not the genome scored, {} (pass --other-genome to score it anyway, without leave-one-out)",
                genome.path().display()
            ),
        }),
        Err(e) => Err(e),
    }
}

/// Provenance of a Markov model for outputs' metadata.
pub fn markov_metadata(path: &Path, model: &MarkovModel) -> Metadata {
    let s = model.settings();
    let m = &model.index().meta;
    let mut meta = provenance(path, "markov");
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

/// A model folder from train-model.
pub struct NeuralFolder;

/// A fusion model: a YAML file naming a repeat classifier and two model folders.
pub struct FusionYaml;

impl ModelKind for FusionYaml {
    fn is_kind(&self, path: &Path) -> bool {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        path.is_file() && matches!(ext.to_ascii_lowercase().as_str(), "yaml" | "yml")
    }

    #[cfg(feature = "torch")]
    fn load(&self, path: &Path, _genome: &Genome, opts: &ModelOptions) -> Result<Loaded> {
        let (dev, dtype) =
            crate::nn::device::setup(&opts.compute, crate::compute::Dtype::Auto, opts.threads)?;
        let model = crate::nn::fusion::FusedModel::load(path, dev, dtype)?;
        let mut meta = provenance(path, "fusion");
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
        let c = &model.classifier.config.data;
        let net = (model.flank(), model.parameters());
        network_meta(&mut meta, net, (dev, dtype), c);
        Ok(Loaded {
            predictor: Box::new(model),
            meta,
        })
    }

    #[cfg(not(feature = "torch"))]
    fn load(&self, path: &Path, _genome: &Genome, _opts: &ModelOptions) -> Result<Loaded> {
        Err(no_torch(path, "a fusion model (a YAML file)"))
    }
}

impl ModelKind for NeuralFolder {
    fn is_kind(&self, path: &Path) -> bool {
        path.is_dir()
    }

    #[cfg(feature = "torch")]
    fn load(&self, path: &Path, _genome: &Genome, opts: &ModelOptions) -> Result<Loaded> {
        use crate::nn::{NeuralModel, device};
        let (dev, dtype) = device::setup(&opts.compute, crate::compute::Dtype::Auto, opts.threads)?;
        let model = NeuralModel::load(path, dev, dtype)?;
        let c = &model.config;
        if c.train.target == crate::target::Target::Repeat {
            return Err(Error::wrong_kind(
                path,
                "is a repeat classifier (train.target: repeat): it predicts repeats, not bases; use it in a fusion model (a YAML file naming it, see docs/cli.md, train-model)",
            ));
        }
        let mut meta = provenance(path, c.model.name());
        meta.insert("dnactx.target".into(), c.train.target.name().into());
        network_meta(&mut meta, (c.field, c.parameters), (dev, dtype), &c.data);
        Ok(Loaded {
            predictor: Box::new(model),
            meta,
        })
    }

    #[cfg(not(feature = "torch"))]
    fn load(&self, path: &Path, _genome: &Genome, _opts: &ModelOptions) -> Result<Loaded> {
        Err(no_torch(path, "a model folder"))
    }
}

/// A network's metadata: its field and parameters (`net`), where and how it runs, and what
/// it was trained on.
#[cfg(feature = "torch")]
fn network_meta(
    meta: &mut Metadata,
    net: (usize, i64),
    (dev, dtype): (tch::Device, crate::compute::Dtype),
    data: &crate::nn::folder::DataInfo,
) {
    meta.insert("dnactx.field".into(), net.0.to_string());
    meta.insert("dnactx.parameters".into(), net.1.to_string());
    meta.insert("dnactx.device".into(), crate::nn::device::device_name(dev));
    meta.insert("dnactx.dtype".into(), dtype.name_on(dev).into());
    meta.insert(
        "dnactx.trained_on".into(),
        format!("{} {}", data.genome, data.genome_checksum),
    );
}

/// The metadata every model starts from: its file and kind.
fn provenance(path: &Path, kind: &str) -> Metadata {
    let mut meta = Metadata::new();
    meta.insert("dnactx.model".into(), crate::io::file_name(path));
    meta.insert("dnactx.model_kind".into(), kind.into());
    meta
}

#[cfg(not(feature = "torch"))]
fn no_torch(path: &Path, what: &str) -> Error {
    Error::invalid(
        path,
        format!(
            "is {what}, but this build of dnactx has no neural models: rebuild with `cargo build --release --features torch` (scripts/setup.sh does)"
        ),
    )
}
