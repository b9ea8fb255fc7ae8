//! The training loop shared by every architecture: chunks sampled from the train windows,
//! every position of a chunk a target, AdamW with warm-up and cosine decay, reverse-complement
//! augmentation, the valid split scored every N steps, atomic checkpoints and `--resume`.
//!
//! A chunk holds `chunk` target positions and `field` bases on each side, padded with
//! unknown bases beyond a contig's ends exactly as scoring pads them, so every target sees
//! its whole field. Targets whose base is unknown, or that lie outside the window the chunk
//! was drawn from, are left out of the loss.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor, nn};

use super::adamw::AdamW;
use super::arch::{ContextNet, build};
use super::config::{RunConfig, TrainConfig};
use super::folder::{self, CheckpointState, DataInfo, FolderConfig};
use super::predictor::model_codes;
use super::prior::{self, PRIOR_TABLE, Prior};
use crate::genome::{Genome, encode};
use crate::io::parquet::{self as pq, Metadata};
use crate::predict::{padded_chunk, revcomp_codes};
use crate::regions::IntervalSet;
use crate::regions::splits::{Split, SplitMix64};
use crate::regions::windows;
use crate::{Error, Result};

/// What train-model was asked to do.
pub struct TrainRequest<'a> {
    pub genome: &'a Genome,
    pub windows: &'a Path,
    pub repeats: Option<(&'a Path, BTreeMap<String, IntervalSet>)>,
    pub out: &'a Path,
    pub run: RunConfig,
    /// A k-mer count table (train split) fed to the head as a prior, and its pseudocount.
    pub prior: Option<(PathBuf, f64)>,
    pub device: Device,
    pub resume: bool,
    pub quiet: bool,
}

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
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SavedState {
    #[serde(flatten)]
    progress: CheckpointState,
    rows: Vec<MetricsRow>,
    /// The folder's config.yaml, so a checkpoint can be resumed even when a workflow
    /// engine removed the folder's other files.
    #[serde(default)]
    config: Option<FolderConfig>,
}

/// A contig held for training, with its repeat flags source.
struct Contig {
    codes: Vec<u8>,
    repeats: Option<IntervalSet>,
}

/// Windows of one split, sampled in proportion to their length.
struct Windows {
    wins: Vec<(usize, u64, u64)>,
    cum: Vec<u64>,
}

impl Windows {
    fn new(wins: Vec<(usize, u64, u64)>) -> Windows {
        let mut cum = Vec::with_capacity(wins.len());
        let mut total = 0;
        for &(_, s, e) in &wins {
            total += e - s;
            cum.push(total);
        }
        Windows { wins, cum }
    }

    fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// The window holding offset `x` of the concatenated windows, and the position.
    fn locate(&self, x: u64) -> (usize, u64, u64, u64) {
        let i = self.cum.partition_point(|&c| c <= x);
        let (contig, s, e) = self.wins[i];
        let before = if i == 0 { 0 } else { self.cum[i - 1] };
        (contig, s, e, s + (x - before))
    }
}

/// Training data: contigs of the train and valid splits, their windows, and the prior.
struct Data {
    contigs: Vec<Contig>,
    train: Windows,
    valid: Windows,
    info: DataInfo,
    prior: Option<Prior>,
}

/// One batch as flat vectors.
struct Batch {
    input: Vec<i64>,
    target: Vec<i64>,
    weight: Vec<f32>,
    prior: Vec<f32>,
    n: usize,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            input: Vec::new(),
            target: Vec::new(),
            weight: Vec::new(),
            prior: Vec::new(),
            n: 0,
        }
    }

    fn targets(&self) -> u64 {
        self.target.iter().filter(|&&t| t >= 0).count() as u64
    }
}

/// Trains a model as requested and writes its folder.
pub fn train(req: TrainRequest) -> Result<()> {
    let cfg = &req.run.train;
    check_train_config(cfg)?;
    tch::manual_seed(cfg.seed as i64);
    let vs = nn::VarStore::new(req.device);
    let net = build(&vs.root(), &req.run.model, req.prior.is_some())?;
    let field = net.field();
    if field > cfg.chunk {
        return Err(Error::Config(format!(
            "the model's field ({field} bases each side) is larger than the chunk ({} targets): raise train.chunk or lower the flank",
            cfg.chunk
        )));
    }
    let prior = match &req.prior {
        Some((path, pseudocount)) => {
            let p = Prior::load(path, *pseudocount, true)?;
            if p.k() > net.min_field() {
                return Err(Error::invalid(
                    path,
                    format!(
                        "its k = {} reaches beyond the model's field ({})",
                        p.k(),
                        net.min_field()
                    ),
                ));
            }
            Some(p)
        }
        None => None,
    };
    let mut data = load_data(&req)?;
    data.prior = prior;
    let folder_cfg = FolderConfig {
        dnactx_version: crate::VERSION.into(),
        model: req.run.model.clone(),
        train: cfg.clone(),
        field,
        min_field: net.min_field(),
        parameters: super::parameter_count(&vs),
        data: data.info.clone(),
        prior: data.prior.as_ref().map(|p| p.info.clone()),
    };
    let mut opt = AdamW::new(&vs, cfg.weight_decay);
    let mut state = prepare_folder(&req, &folder_cfg, &vs, &mut opt)?;
    if !req.quiet {
        eprintln!(
            "train-model: {} with {} parameters, field {field}, on {} ({} train bases, {} valid)",
            req.run.model.name(),
            folder_cfg.parameters,
            crate::nn::device::device_name(req.device),
            data.info.train_bases,
            data.info.valid_bases
        );
    }
    run_loop(&req, &data, net.as_ref(), &vs, &mut opt, &mut state)?;
    finish(req.out, &vs, &state)
}

fn check_train_config(cfg: &TrainConfig) -> Result<()> {
    let bad = |m: &str| Err(Error::Config(format!("train: {m}")));
    if cfg.chunk == 0 || cfg.batch == 0 {
        return bad("chunk and batch must be at least 1");
    }
    if cfg.steps == 0 {
        return bad("steps must be at least 1");
    }
    if cfg.lr.is_nan() || cfg.lr <= 0.0 {
        return bad("lr must be above 0");
    }
    if cfg.valid_every == 0 {
        return bad("valid_every must be at least 1");
    }
    if cfg.repeat_weight.is_nan() || cfg.repeat_weight < 0.0 {
        return bad("repeat_weight must be 0 or more");
    }
    Ok(())
}

/// Loads the contigs of the train and valid splits and computes the genome checksum.
fn load_data(req: &TrainRequest) -> Result<Data> {
    let rows = windows::read_parquet(req.windows, req.genome)?;
    let mut wanted: Vec<String> = Vec::new();
    for (c, _, _, sp) in &rows {
        if matches!(sp, Split::Train | Split::Valid) && !wanted.contains(c) {
            wanted.push(c.clone());
        }
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut contigs = Vec::new();
    let mut checksum = Fnv::new();
    let names = req.genome.names();
    let pb = crate::progress::bar(names.len() as u64, "reading genome", req.quiet);
    req.genome.visit(&names, |contig, seq| {
        checksum.write(contig.name.as_bytes());
        checksum.write(&(contig.len as u64).to_le_bytes());
        for &c in seq.codes() {
            checksum.write_byte(encode::decode(c));
        }
        if wanted.contains(&contig.name) {
            index.insert(contig.name.clone(), contigs.len());
            let repeats = req
                .repeats
                .as_ref()
                .map(|(_, r)| r.get(&contig.name).cloned().unwrap_or_default());
            contigs.push(Contig {
                codes: seq.into_codes(),
                repeats,
            });
        }
        pb.inc(1);
        Ok(())
    })?;
    pb.finish_and_clear();
    let pick = |split: Split| -> Vec<(usize, u64, u64)> {
        rows.iter()
            .filter(|r| r.3 == split)
            .map(|(c, s, e, _)| (index[c], *s, *e))
            .collect()
    };
    let (train, valid) = (
        Windows::new(pick(Split::Train)),
        Windows::new(pick(Split::Valid)),
    );
    if train.total() == 0 {
        return Err(Error::invalid(req.windows, "has no train windows"));
    }
    let chroms = |split: Split| -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for (c, _, _, sp) in &rows {
            if *sp == split && !v.contains(c) {
                v.push(c.clone());
            }
        }
        v
    };
    let info = DataInfo {
        genome: crate::io::file_name(req.genome.path()),
        genome_checksum: format!("fnv1a64:{:016x}", checksum.0),
        windows: crate::io::file_name(req.windows),
        train_chroms: chroms(Split::Train),
        valid_chroms: chroms(Split::Valid),
        train_bases: train.total(),
        valid_bases: valid.total(),
        repeats: req.repeats.as_ref().map(|(p, _)| crate::io::file_name(p)),
    };
    Ok(Data {
        contigs,
        train,
        valid,
        info,
        prior: None,
    })
}

/// FNV-1a, 64 bits: a dependency-free checksum of the genome's names, lengths and bases.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    #[inline]
    fn write_byte(&mut self, b: u8) {
        self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }
}

/// Creates the folder, or on `--resume` restores the checkpoint into `vs` and `opt`.
fn prepare_folder(
    req: &TrainRequest,
    cfg: &FolderConfig,
    vs: &nn::VarStore,
    opt: &mut AdamW,
) -> Result<SavedState> {
    let out = req.out;
    let checkpoint = out.join(folder::CHECKPOINT);
    if req.resume {
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
        let tensors: HashMap<String, Tensor> = Tensor::read_safetensors(&checkpoint)
            .map_err(|e| Error::invalid(&checkpoint, format!("cannot read the checkpoint: {e}")))?
            .into_iter()
            .collect();
        tch::no_grad(|| -> Result<()> {
            for (name, mut var) in vs.variables() {
                let saved = tensors.get(&format!("model.{name}")).ok_or_else(|| {
                    Error::invalid(&checkpoint, format!("lacks the weights of {name}"))
                })?;
                var.copy_(saved);
            }
            Ok(())
        })?;
        if !opt.restore(&tensors) {
            return Err(Error::invalid(&checkpoint, "lacks the optimizer state"));
        }
        let mut state: SavedState = folder::read_yaml(out, folder::CHECKPOINT_STATE)?;
        let saved_cfg = match &state.config {
            Some(c) => c.clone(),
            None => folder::read_config(out)?,
        };
        if saved_cfg.model != cfg.model || saved_cfg.train != cfg.train {
            return Err(Error::invalid(
                out.join(folder::CHECKPOINT_STATE),
                "was written for another model or training config: resume with the same --config",
            ));
        }
        if !out.join(folder::CONFIG).is_file() {
            folder::write_yaml(out, folder::CONFIG, &saved_cfg)?;
        }
        state.config = Some(saved_cfg);
        return Ok(state);
    }
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::invalid(
            out,
            "exists and is not empty: choose a new folder, or continue a stopped run with --resume",
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    if let Some((table, _)) = &req.prior {
        let dest = out.join(PRIOR_TABLE);
        std::fs::copy(table, &dest).map_err(|e| Error::io(&dest, e))?;
    }
    folder::write_yaml(out, folder::CONFIG, cfg)?;
    Ok(SavedState {
        config: Some(cfg.clone()),
        ..SavedState::default()
    })
}

fn lr_at(cfg: &TrainConfig, step: usize) -> f64 {
    if step < cfg.warmup {
        return cfg.lr * (step + 1) as f64 / cfg.warmup as f64;
    }
    let span = (cfg.steps - cfg.warmup.min(cfg.steps)).max(1) as f64;
    let t = ((step - cfg.warmup) as f64 / span).min(1.0);
    let min = cfg.lr * cfg.min_lr_ratio;
    min + 0.5 * (cfg.lr - min) * (1.0 + (std::f64::consts::PI * t).cos())
}

fn run_loop(
    req: &TrainRequest,
    data: &Data,
    net: &dyn ContextNet,
    vs: &nn::VarStore,
    opt: &mut AdamW,
    state: &mut SavedState,
) -> Result<()> {
    let cfg = &req.run.train;
    let field = net.field();
    let started = Instant::now();
    let wall_before = state.progress.wall_seconds;
    let per_step = (cfg.batch * cfg.chunk) as u64;
    let pb = crate::progress::bar(per_step * cfg.steps as u64, "train-model", req.quiet);
    pb.set_position(state.progress.targets_seen.min(per_step * cfg.steps as u64));
    pb.reset_eta();
    let mut step = state.progress.step;
    while step < cfg.steps {
        let elapsed = wall_before + started.elapsed().as_secs_f64();
        if cfg.max_minutes > 0.0 && elapsed >= cfg.max_minutes * 60.0 {
            break;
        }
        let batch = sample_batch(data, cfg, field, step);
        let loss = batch_loss(net, &batch, cfg.chunk, field, req.device);
        loss.backward();
        let lr = lr_at(cfg, step);
        opt.step(vs, lr, cfg.grad_clip);
        let loss = loss.double_value(&[]);
        if !loss.is_finite() {
            return Err(Error::Config(format!(
                "training diverged at step {step} (loss {loss}): lower train.lr"
            )));
        }
        step += 1;
        state.progress.step = step;
        state.progress.loss_sum += loss;
        state.progress.loss_steps += 1;
        state.progress.targets_seen += batch.targets();
        pb.set_position(state.progress.targets_seen);
        if step.is_multiple_of(cfg.valid_every) || step == cfg.steps {
            state.progress.wall_seconds = wall_before + started.elapsed().as_secs_f64();
            report(req, data, net, vs, opt, state, lr, &pb)?;
        }
    }
    if state.rows.last().map(|r| r.step) != Some(step) {
        state.progress.wall_seconds = wall_before + started.elapsed().as_secs_f64();
        report(
            req,
            data,
            net,
            vs,
            opt,
            state,
            lr_at(cfg, step.saturating_sub(1)),
            &pb,
        )?;
    }
    pb.finish_and_clear();
    Ok(())
}

/// Scores the valid split, appends a metrics row and writes a checkpoint.
#[allow(clippy::too_many_arguments)]
fn report(
    req: &TrainRequest,
    data: &Data,
    net: &dyn ContextNet,
    vs: &nn::VarStore,
    opt: &AdamW,
    state: &mut SavedState,
    lr: f64,
    pb: &indicatif::ProgressBar,
) -> Result<()> {
    let cfg = &req.run.train;
    let (valid_loss, valid_accuracy) = validate(data, net, cfg, req.device);
    let ln2 = std::f64::consts::LN_2;
    let p = &mut state.progress;
    let row = MetricsRow {
        step: p.step,
        targets_seen: p.targets_seen,
        train_loss: p.loss_sum / p.loss_steps.max(1) as f64,
        valid_loss,
        valid_accuracy,
        valid_bits: valid_loss / ln2,
        lr,
        wall_seconds: p.wall_seconds,
    };
    p.loss_sum = 0.0;
    p.loss_steps = 0;
    pb.set_message(format!(
        "valid acc {:.4}, {:.4} bits",
        row.valid_accuracy, row.valid_bits
    ));
    state.rows.push(row);
    write_checkpoint(req.out, vs, opt, state)
}

/// Mean loss (nats) and accuracy over the fixed valid chunks; NaN without valid windows.
fn validate(data: &Data, net: &dyn ContextNet, cfg: &TrainConfig, device: Device) -> (f64, f64) {
    let total = data.valid.total();
    if total == 0 || cfg.valid_chunks == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (mut nll, mut correct, mut n) = (0f64, 0f64, 0f64);
    let field = net.field();
    let starts: Vec<u64> = (0..cfg.valid_chunks as u64)
        .map(|j| j * total / cfg.valid_chunks as u64)
        .collect();
    for group in starts.chunks(cfg.batch) {
        let mut batch = Batch::new();
        for &x in group {
            let (contig, ws, we, pos) = data.valid.locate(x);
            let start = pos.min(we.saturating_sub(cfg.chunk as u64)).max(ws);
            let s = Sample {
                start,
                win_end: we,
                rc: false,
                counted: false,
            };
            add_sample(
                &mut batch,
                &data.contigs[contig],
                data.prior.as_ref(),
                s,
                cfg.chunk,
                field,
                1.0,
            );
        }
        tch::no_grad(|| {
            let (logp, target, mask) = forward_batch(net, &batch, cfg.chunk, field, device);
            let picked = logp
                .gather(2, &target.clamp_min(0).unsqueeze(-1), false)
                .squeeze_dim(-1);
            nll -= (picked * &mask).sum(Kind::Double).double_value(&[]);
            let hits = logp
                .argmax(-1, false)
                .eq_tensor(&target)
                .to_kind(Kind::Float)
                * &mask;
            correct += hits.sum(Kind::Double).double_value(&[]);
            n += mask.sum(Kind::Double).double_value(&[]);
        });
    }
    if n == 0.0 {
        (f64::NAN, f64::NAN)
    } else {
        (nll / n, correct / n)
    }
}

/// Draws the batch of `step`: the same for a given seed and step, so a resumed run sees
/// exactly the batches an uninterrupted one would.
fn sample_batch(data: &Data, cfg: &TrainConfig, field: usize, step: usize) -> Batch {
    let mut rng = SplitMix64(cfg.seed ^ (step as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut batch = Batch::new();
    let total = data.train.total();
    for _ in 0..cfg.batch {
        let (contig, ws, we, _) = data.train.locate(rng.below(total));
        let span = (we - ws).saturating_sub(cfg.chunk as u64) + 1;
        let start = ws + rng.below(span);
        let rc = cfg.rc_augment && rng.next_u64() & 1 == 1;
        let s = Sample {
            start,
            win_end: we,
            rc,
            counted: true,
        };
        let w = cfg.repeat_weight as f32;
        add_sample(
            &mut batch,
            &data.contigs[contig],
            data.prior.as_ref(),
            s,
            cfg.chunk,
            field,
            w,
        );
    }
    batch
}

/// Where a chunk comes from.
struct Sample {
    start: u64,
    /// Targets at or past this position are left out.
    win_end: u64,
    /// Reverse-complement the chunk.
    rc: bool,
    /// Its targets are in the prior's count table (train windows).
    counted: bool,
}

/// Appends one chunk: targets `start..start+chunk` (those past `win_end` left out).
fn add_sample(
    batch: &mut Batch,
    contig: &Contig,
    prior: Option<&Prior>,
    s: Sample,
    chunk: usize,
    field: usize,
    repeat_weight: f32,
) {
    let start = s.start as usize;
    let mut padded = padded_chunk(&contig.codes, start, start + chunk, field);
    let repeats = contig
        .repeats
        .as_ref()
        .map(|r| r.mask_range(s.start, chunk));
    let mut target = Vec::with_capacity(chunk);
    let mut weight = Vec::with_capacity(chunk);
    for i in 0..chunk {
        let pos = start + i;
        let code = contig.codes.get(pos).copied().unwrap_or(encode::UNKNOWN);
        let inside = (pos as u64) < s.win_end && encode::is_acgt(code);
        target.push(if inside { (code & 3) as i64 } else { -1 });
        let repeat = match &repeats {
            Some(m) => m[i],
            None => encode::is_soft(code),
        };
        weight.push(if repeat { repeat_weight } else { 1.0 });
    }
    if s.rc {
        padded = revcomp_codes(&padded);
        target.reverse();
        for t in target.iter_mut().filter(|t| **t >= 0) {
            *t = 3 - *t;
        }
        weight.reverse();
    }
    if let Some(p) = prior {
        batch
            .prior
            .extend(p.log_probs(&padded, field, s.counted, s.rc));
    }
    batch.input.extend(model_codes(&padded));
    batch.target.extend(target);
    batch.weight.extend(weight);
    batch.n += 1;
}

/// Log-probabilities of the central positions (N x chunk x 4), targets and a 0/1 mask.
fn forward_batch(
    net: &dyn ContextNet,
    batch: &Batch,
    chunk: usize,
    field: usize,
    device: Device,
) -> (Tensor, Tensor, Tensor) {
    let n = batch.n as i64;
    let width = (chunk + 2 * field) as i64;
    let input = Tensor::from_slice(&batch.input)
        .view([n, width])
        .to_device(device);
    let target = Tensor::from_slice(&batch.target)
        .view([n, chunk as i64])
        .to_device(device);
    let prior = (!batch.prior.is_empty())
        .then(|| prior::to_tensor(&batch.prior, batch.n, width as usize, device));
    let logp = net
        .forward(&input, prior.as_ref())
        .narrow(1, field as i64, chunk as i64)
        .log_softmax(-1, Kind::Float);
    let mask = target.ge(0).to_kind(Kind::Float);
    (logp, target, mask)
}

/// The weighted mean negative log-likelihood (nats) of a batch.
fn batch_loss(
    net: &dyn ContextNet,
    batch: &Batch,
    chunk: usize,
    field: usize,
    device: Device,
) -> Tensor {
    let (logp, target, mask) = forward_batch(net, batch, chunk, field, device);
    let weight = Tensor::from_slice(&batch.weight)
        .view([batch.n as i64, chunk as i64])
        .to_device(device)
        * mask;
    let picked = logp
        .gather(2, &target.clamp_min(0).unsqueeze(-1), false)
        .squeeze_dim(-1);
    -(picked * &weight).sum(Kind::Float) / weight.sum(Kind::Float).clamp_min(1e-9)
}

/// Writes weights + optimizer state, progress and metrics, each atomically.
fn write_checkpoint(out: &Path, vs: &nn::VarStore, opt: &AdamW, state: &SavedState) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (format!("model.{n}"), t))
        .collect();
    tensors.extend(opt.state());
    let dest = out.join(folder::CHECKPOINT);
    let temp = crate::io::TempOutput::new(&dest)?;
    Tensor::write_safetensors(&tensors, temp.path())
        .map_err(|e| Error::invalid(&dest, e.to_string()))?;
    temp.commit()?;
    folder::write_yaml(out, folder::CHECKPOINT_STATE, state)?;
    write_metrics(&out.join(folder::METRICS), &state.rows)
}

/// The final weights, then the checkpoint is removed.
fn finish(out: &Path, vs: &nn::VarStore, state: &SavedState) -> Result<()> {
    let dest = out.join(folder::WEIGHTS);
    let temp = crate::io::TempOutput::new(&dest)?;
    let tmp_name: PathBuf = temp.path().with_extension("safetensors");
    vs.save(&tmp_name)
        .map_err(|e| Error::invalid(&dest, e.to_string()))?;
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
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "step".into(),
                rows.iter().map(|r| r.step as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                "targets_seen".into(),
                rows.iter().map(|r| r.targets_seen).collect::<Vec<_>>(),
            ),
            col_f("train_loss", |r| r.train_loss),
            col_f("valid_loss", |r| r.valid_loss),
            col_f("valid_accuracy", |r| r.valid_accuracy),
            col_f("valid_bits", |r| r.valid_bits),
            col_f("lr", |r| r.lr),
            col_f("wall_seconds", |r| r.wall_seconds),
        ],
    )
    .map_err(|e| Error::parquet(dest, e))?;
    let mut meta = Metadata::new();
    meta.insert("dnactx.kind".into(), "training_metrics".into());
    meta.insert("dnactx.version".into(), crate::VERSION.into());
    pq::write(dest, &mut df, &meta)
}
