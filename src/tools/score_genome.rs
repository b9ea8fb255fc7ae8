//! score-genome: per-base predictions of a model as bigWig tracks, with accuracy tables.

use std::collections::HashMap;
use std::path::PathBuf;

use super::RegionChoice;
use crate::Result;
use crate::genome::Genome;
use crate::io::parquet::Metadata;
use crate::models::ModelSpec;
use crate::predict::Predictor;
use crate::regions::{IntervalSet, bed};
use crate::scores;

/// Score the chosen positions with a model, into a folder of tracks and metrics.
#[derive(Debug, Clone)]
pub struct ScoreGenome {
    pub genome: PathBuf,
    pub model: ModelSpec,
    pub regions: RegionChoice,
    /// Repeat BED for the repeat/non-repeat metrics (soft-masking without it).
    pub repeats: Option<PathBuf>,
    /// BEDs whose name column is a class with metrics rows of its own.
    pub classes: Vec<PathBuf>,
    /// The output folder.
    pub output: PathBuf,
    /// Also the p_A..p_T tracks.
    pub all_tracks: bool,
    pub rc_average: bool,
    /// Decimals kept in the tracks (`None`: all).
    pub decimals: Option<u32>,
    /// Print positions per second and the data-wait share.
    pub profile: bool,
    pub quiet: bool,
}

/// Repeat intervals per contig.
type RepeatSets = std::collections::BTreeMap<String, IntervalSet>;

impl ScoreGenome {
    pub fn run(&self) -> Result<()> {
        self.check_outputs()?;
        let genome = Genome::open(&self.genome)?;
        let regions = self.regions.choose(&genome, "score")?;
        let (repeats, classes) = self.annotations(&genome)?;
        let loaded = self.model.load(&genome)?;
        let model = loaded.predictor.as_ref();
        let meta = self.metadata(loaded.meta, &classes);
        let request = scores::ScoreRequest {
            genome: &genome,
            model,
            regions: &regions,
            repeats: repeats.as_ref(),
            classes: &classes,
            all_tracks: self.all_tracks,
            rc_average: self.rc_average,
            decimals: self.decimals,
            quiet: self.quiet,
        };
        let started = std::time::Instant::now();
        let metrics = scores::score_to_folder(&request, &self.output, &meta)?;
        if self.profile {
            print_profile(model, &regions, self.rc_average, started.elapsed());
        }
        if !self.quiet {
            print_summary(model, &metrics);
        }
        Ok(())
    }

    /// The repeats and the annotation classes to score apart.
    fn annotations(&self, genome: &Genome) -> Result<(Option<RepeatSets>, bed::ClassSets)> {
        let repeats = self.repeats.as_ref().map(|p| bed::read_sets(p, genome));
        let repeats = repeats.transpose()?;
        Ok((repeats, bed::read_classes(&self.classes, genome)?))
    }

    /// Refuses standard output (the output is a folder) and an output that is an input.
    fn check_outputs(&self) -> Result<()> {
        crate::io::refuse_stdout(
            &self.output,
            "score-genome writes a folder (tracks, metrics, calibration)",
        )?;
        let inputs = [&self.genome, &self.model.path]
            .into_iter()
            .chain(self.regions.inputs())
            .chain(&self.repeats)
            .chain(&self.classes);
        crate::io::refuse_overwrite(inputs, &scores::folder_files(&self.output))
    }

    /// The outputs' metadata: the model's provenance, the genome, the regions and the
    /// settings.
    fn metadata(&self, model_meta: Metadata, classes: &bed::ClassSets) -> Metadata {
        let mut meta = model_meta;
        meta.insert("dnactx.kind".into(), "metrics".into());
        meta.insert("dnactx.genome".into(), crate::io::file_name(&self.genome));
        // the model file or folder as given: which model scored these positions (a
        // cross-fitted track's chromosomes each name their fold's model)
        meta.insert(
            "dnactx.model_path".into(),
            self.model.path.display().to_string(),
        );
        meta.insert("dnactx.regions".into(), self.regions.label());
        meta.insert("dnactx.version".into(), crate::VERSION.into());
        if !classes.labels.is_empty() {
            meta.insert("dnactx.classes".into(), classes.labels.join(","));
        }
        meta.insert(
            "dnactx.track_precision".into(),
            self.decimals.map_or("full".into(), |d| d.to_string()),
        );
        meta
    }
}

/// The profile line: positions per second, and where a network's time went.
fn print_profile(
    model: &dyn Predictor,
    regions: &HashMap<String, IntervalSet>,
    rc_average: bool,
    elapsed: std::time::Duration,
) {
    let secs = elapsed.as_secs_f64();
    let bases: u64 = regions.values().map(IntervalSet::covered).sum();
    let strands = if rc_average { ", both strands" } else { "" };
    let wait = data_wait(model, secs);
    eprintln!(
        "score-genome: {bases} positions{strands} in {secs:.2} s, {:.0} positions/s{wait}",
        bases as f64 / secs.max(1e-9)
    );
    if let Some(p) = model.profile() {
        eprintln!("score-genome: {p}");
    }
}

/// The line that ends a run: positions scored, accuracy and bits.
fn print_summary(model: &dyn Predictor, metrics: &crate::metrics::MetricsTable) {
    let all = metrics.overall().all;
    let t = metrics.target;
    let class = if t.is_base() {
        String::new()
    } else {
        format!("{t} ")
    };
    eprintln!(
        "scored {} positions: {class}accuracy {:.4}, {:.4} bits/base ({})",
        all.n,
        all.accuracy_of(t),
        all.bits_of(t),
        model.describe()
    );
}

/// How much of `secs` a network predicted, and waited for its inputs (nothing for others).
fn data_wait(model: &dyn Predictor, secs: f64) -> String {
    match model.data_wait() {
        Some((busy, wait)) => format!(
            "; the model predicted {:.0}% of the time and waited for prepared inputs {:.1}% of it",
            100.0 * busy / secs.max(1e-9),
            100.0 * wait / busy.max(1e-9)
        ),
        None => String::new(),
    }
}
