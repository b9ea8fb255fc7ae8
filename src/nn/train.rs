//! The training loop shared by every architecture: chunks sampled from the train windows,
//! every position of a chunk a target, AdamW with warm-up and cosine decay, reverse-complement
//! augmentation, the valid split scored every N steps, atomic checkpoints and `--resume`.
//! Loader threads prepare batches (sampling, encoding, prior lookup, pinned host memory for
//! CUDA) ahead of the device through a bounded queue; `train.precision` runs forward passes
//! under bfloat16 autocast.
//!
//! A chunk holds `chunk` target positions and `field` bases on each side, padded with
//! unknown bases beyond a contig's ends exactly as scoring pads them, so every target sees
//! its whole field. Targets whose base is unknown, or that lie outside the window the chunk
//! was drawn from, are left out of the loss.

use std::path::{Path, PathBuf};

use tch::{Device, Kind, Tensor, nn};

use super::adamw::AdamW;
use super::arch::{ContextNet, build};
use super::batches::{Batches, Ready, prepare};
pub use super::checkpoint::{MetricsRow, write_metrics};
use super::checkpoint::{SavedState, create_folder, finish, resume_folder, write_checkpoint};
use super::config::{RunConfig, TrainConfig};
use super::data::{Batch, Data, Repeats, Sample, load_data};
use super::ema::Ema;
use super::folder::FolderConfig;
use super::pace::{Pace, Waits};
use super::precision::autocast;
use super::prior::{self, Prior};
use super::prior_cache::PriorCache;
use super::schedule::budget_spent;
use crate::genome::Genome;
use crate::{Error, Result};

/// What train-model was asked to do.
pub struct TrainRequest<'a> {
    pub genome: &'a Genome,
    pub windows: &'a Path,
    /// Repeats for the repeat loss weight; soft-masked bases without them.
    pub repeats: Option<Repeats<'a>>,
    pub out: &'a Path,
    pub run: RunConfig,
    /// The preset `run` started from, recorded in the folder.
    pub preset: Option<String>,
    /// A k-mer count table or an FM-index (train split) fed to the head as a prior, and
    /// its settings.
    pub prior: Option<(PathBuf, prior::PriorSettings)>,
    pub device: Device,
    pub resume: bool,
    pub quiet: bool,
    /// Print, at each validation, targets per second and the share of time spent waiting
    /// for data.
    pub profile: bool,
}

/// Trains a model as requested and writes its folder.
pub fn train(req: TrainRequest) -> Result<()> {
    let cfg = &req.run.train;
    check_train_config(cfg)?;
    tch::manual_seed(cfg.seed as i64);
    cfg.precision.apply(req.device);
    let vs = nn::VarStore::new(req.device);
    let net = build_net(&req, &vs)?;
    let data = training_data(&req, net.min_field())?;
    let folder_cfg = folder_config(&req, net.as_ref(), &vs, &data);
    let mut opt = AdamW::new(&vs, cfg.weight_decay);
    let mut ema = Ema::new(&vs, cfg.ema);
    let mut state = if req.resume {
        resume_folder(req.out, &folder_cfg, &vs, &mut opt, ema.as_mut())?
    } else {
        create_folder(req.out, &folder_cfg, prior_table(&req, &data))?
    };
    if !req.quiet {
        announce(&req, &folder_cfg, &data);
    }
    let first = state.progress.step;
    std::thread::scope(|scope| {
        let batches = Batches::start(scope, &data, cfg, net.field(), req.device, first);
        let mut trainer = Trainer {
            req: &req,
            data: &data,
            net: net.as_ref(),
            vs: &vs,
            opt: &mut opt,
            ema: ema.as_mut(),
            pb: Trainer::bar(&req, &state),
        };
        trainer.run(&mut state, &batches)
    })?;
    finish(req.out, &vs, ema.as_mut(), &state)
}

/// The network of `req`'s model config on `vs`, its field within the chunk.
fn build_net(req: &TrainRequest, vs: &nn::VarStore) -> Result<Box<dyn ContextNet>> {
    let cfg = &req.run.train;
    let channels = req.prior.as_ref().map_or(0, |(_, s)| s.channels());
    let net = build(&vs.root(), &req.run.model, channels, cfg.target)?;
    let field = net.field();
    if field > cfg.chunk {
        return Err(Error::config(
            "train.chunk",
            format!(
                "the model's field ({field} bases each side) is larger than the chunk ({} targets): raise train.chunk or lower the flank",
                cfg.chunk
            ),
        ));
    }
    Ok(net)
}

/// The train and valid contigs with their windows, repeats and prior (checked against the
/// network's narrowest field, `min_field`).
fn training_data(req: &TrainRequest, min_field: usize) -> Result<Data> {
    let cfg = &req.run.train;
    let prior = load_prior(req, min_field)?;
    let mut data = load_data(req.genome, req.windows, req.repeats.as_ref(), req.quiet)?;
    if cfg.target == crate::target::Target::Repeat && !data.has_repeats() {
        return Err(Error::config(
            "train.target",
            "a repeat classifier (target: repeat) has no repeats to learn from: the train and valid chromosomes have none (give --repeats, a mask-repeats BED, or a soft-masked genome)",
        ));
    }
    attach_prior(&mut data, prior, cfg, req.quiet);
    Ok(data)
}

/// The prior's count table or index and its name in the folder, to copy into a new folder.
fn prior_table<'a>(req: &'a TrainRequest, data: &'a Data) -> Option<(&'a Path, &'a str)> {
    let (table, _) = req.prior.as_ref()?;
    let p = data.prior.as_ref()?;
    Some((table.as_path(), p.info.table.as_str()))
}

/// What the model folder's config.yaml records: the model, its training, size and data.
fn folder_config(
    req: &TrainRequest,
    net: &dyn ContextNet,
    vs: &nn::VarStore,
    data: &Data,
) -> FolderConfig {
    FolderConfig {
        dnactx_version: crate::VERSION.into(),
        model: req.run.model.clone(),
        train: req.run.train.clone(),
        field: net.field(),
        min_field: net.min_field(),
        parameters: super::parameter_count(vs),
        flops_per_base: super::flops::forward_per_position(&req.run.model),
        preset: req.preset.clone(),
        data: data.info.clone(),
        prior: data.prior.as_ref().map(|p| p.info.clone()),
    }
}

/// The prior of `req`, loaded and checked against the genome and the model's narrowest
/// field (`min_field`).
fn load_prior(req: &TrainRequest, min_field: usize) -> Result<Option<Prior>> {
    let Some((path, settings)) = &req.prior else {
        return Ok(None);
    };
    let p = Prior::load(path, settings, true)?;
    p.check_genome(path, req.genome)?;
    if p.k() > min_field {
        return Err(Error::invalid(
            path,
            format!(
                "its k = {} reaches beyond the model's field ({min_field})",
                p.k()
            ),
        ));
    }
    Ok(Some(p))
}

/// Gives the training data its prior, and keeps the prior's inputs of as many contigs as
/// `train.prior_cache_mb` holds across epochs.
fn attach_prior(data: &mut Data, prior: Option<Prior>, cfg: &TrainConfig, quiet: bool) {
    data.prior = prior;
    let Some(p) = &data.prior else {
        return;
    };
    data.prior_cache = PriorCache::new(&data.contigs, p.channels(), cfg.prior_cache_mb << 20);
    if quiet {
        return;
    }
    match &data.prior_cache {
        Some(c) => eprintln!(
            "train-model: keeping the prior of {} of {} contigs across epochs ({} MB, train.prior_cache_mb {})",
            c.contigs(),
            data.contigs.len(),
            c.bytes() >> 20,
            cfg.prior_cache_mb
        ),
        None => eprintln!(
            "train-model: not keeping the prior across epochs (train.prior_cache_mb {} holds no contig)",
            cfg.prior_cache_mb
        ),
    }
}

/// The line that starts a run: the model, its size and cost, the device and the data.
fn announce(req: &TrainRequest, folder_cfg: &FolderConfig, data: &Data) {
    eprintln!(
        "train-model: {}{} with {} parameters, field {}, {:.3e} FLOPs per base forward, on {} ({} train bases, {} valid)",
        req.run.model.name(),
        req.preset
            .as_deref()
            .map(|p| format!(" (preset {p})"))
            .unwrap_or_default(),
        folder_cfg.parameters,
        folder_cfg.field,
        folder_cfg.flops_per_base,
        crate::nn::device::device_name(req.device),
        data.info.train_bases,
        data.info.valid_bases
    );
}

pub(super) fn check_train_config(cfg: &TrainConfig) -> Result<()> {
    let bad = |m: &str| Err(Error::config("train", format!("train: {m}")));
    if cfg.chunk == 0 || cfg.batch == 0 {
        return bad("chunk and batch must be at least 1");
    }
    if cfg.max_minutes.is_nan() || cfg.max_minutes < 0.0 {
        return bad("max_minutes must be 0 (none) or more");
    }
    if cfg.steps == 0 && cfg.max_targets == 0 && cfg.max_minutes == 0.0 {
        return bad("set a budget: steps, max_minutes or max_targets");
    }
    if cfg.lr.is_nan() || cfg.lr <= 0.0 {
        return bad("lr must be above 0");
    }
    if !(0.0..1.0).contains(&cfg.ema) {
        return bad("ema must be 0 (off) or a decay below 1, e.g. 0.999");
    }
    if cfg.valid_every == 0 {
        return bad("valid_every must be at least 1");
    }
    if cfg.prefetch.is_some_and(|n| n > 0) && cfg.loaders == 0 {
        return bad("loaders must be at least 1 when prefetch is on");
    }
    check_loss_weights(cfg)
}

/// The loss's weights: repeat_weight, `only` one class, and neither for a repeat classifier.
fn check_loss_weights(cfg: &TrainConfig) -> Result<()> {
    let bad = |m: &str| Err(Error::config("train", format!("train: {m}")));
    if cfg.repeat_weight.is_nan() || cfg.repeat_weight < 0.0 {
        return bad("repeat_weight must be 0 or more");
    }
    if cfg.only.is_some() && cfg.repeat_weight != 1.0 {
        return bad(
            "only and repeat_weight do not go together: only trains on one class (set one of them)",
        );
    }
    if cfg.target == crate::target::Target::Repeat
        && (cfg.only.is_some() || cfg.repeat_weight != 1.0)
    {
        return bad(
            "a repeat classifier (target: repeat) trains on every position: leave out only and repeat_weight",
        );
    }
    Ok(())
}

/// What the training loop works with: the request, the data, the network with its weights,
/// optimizer and average of the weights, and the progress bar.
struct Trainer<'a> {
    req: &'a TrainRequest<'a>,
    data: &'a Data,
    net: &'a dyn ContextNet,
    vs: &'a nn::VarStore,
    opt: &'a mut AdamW,
    ema: Option<&'a mut Ema>,
    pb: indicatif::ProgressBar,
}

impl Trainer<'_> {
    /// A progress bar over the run's step or target budget, at the progress of `state`.
    fn bar(req: &TrainRequest, state: &SavedState) -> indicatif::ProgressBar {
        let cfg = &req.run.train;
        let total = if cfg.max_targets > 0 {
            cfg.max_targets
        } else {
            (cfg.batch * cfg.chunk) as u64 * cfg.steps as u64
        };
        let pb = crate::progress::bar(total, "train-model", req.quiet);
        pb.set_position(state.progress.targets_seen.min(total));
        pb.reset_eta();
        pb
    }

    /// The optimizer steps until a budget is spent, with a report every `valid_every` steps
    /// and after the last. A time budget is judged by when a step would end, and the last
    /// step that ends in time runs at the smallest rate.
    fn run(&mut self, state: &mut SavedState, batches: &Batches) -> Result<()> {
        let req = self.req;
        let cfg = &req.run.train;
        let mut pace = Pace::new(cfg, &state.progress, req.device);
        loop {
            let step = state.progress.step;
            let (now, horizon) = pace.clock.tick(step > pace.first());
            let elapsed = now + horizon;
            let Some(last) = pace.go_on(cfg, &mut state.progress, elapsed) else {
                break;
            };
            let batch = pace.waits.time(|| batches.get(cfg, step));
            let targets = self.step(state, &mut pace, &batch, elapsed, last)?;
            let due = last
                || (step + 1).is_multiple_of(cfg.valid_every)
                || budget_spent(cfg, step + 1, targets, pace.clock.now() + horizon);
            self.read_and_report(state, &mut pace, due)?;
            if last {
                break;
            }
        }
        let due = state.rows.last().map(|r| r.step) != Some(state.progress.step);
        pace.losses.read(state, state.progress.step)?;
        self.read_and_report(state, &mut pace, due)?;
        self.pb.finish_and_clear();
        Ok(())
    }

    /// One optimizer step on `batch` (the gradients, the rate at `elapsed` seconds, the
    /// update and the average's); returns the targets seen after it.
    fn step(
        &mut self,
        state: &mut SavedState,
        pace: &mut Pace,
        batch: &Ready,
        elapsed: f64,
        last: bool,
    ) -> Result<u64> {
        let cfg = &self.req.run.train;
        let loss = self.backward(batch);
        let targets = state.progress.targets_seen + batch.targets;
        let lr = pace.rate(cfg, &state.progress, targets, elapsed, last);
        self.opt.step(lr, cfg.grad_clip)?;
        if let Some(ema) = self.ema.as_deref_mut() {
            ema.update(self.vs)?;
        }
        pace.losses.add(&loss);
        state.progress.step += 1;
        state.progress.targets_seen = targets;
        self.pb.set_position(targets);
        Ok(targets)
    }

    /// Reads the losses back when a report is `due` or they are many (on CUDA every
    /// LOSS_READS steps, so that the host does not wait for the device at every step), and
    /// reports when due.
    fn read_and_report(
        &mut self,
        state: &mut SavedState,
        pace: &mut Pace,
        due: bool,
    ) -> Result<()> {
        if due || pace.losses.full() {
            pace.losses.read(state, state.progress.step)?;
        }
        if due {
            let now = pace.clock.now();
            self.report(state, pace.lr, pace.waits.share(now), now)?;
            pace.waits = Waits::new(pace.clock.now());
        }
        Ok(())
    }

    /// The loss of `batch`, with its gradients computed.
    fn backward(&self, batch: &Ready) -> Tensor {
        let cfg = &self.req.run.train;
        let bf16 = cfg.precision.bf16_on(self.req.device);
        let loss = batch_loss(
            self.net,
            batch,
            cfg.chunk,
            self.net.field(),
            self.req.device,
            bf16,
        );
        loss.backward();
        loss
    }

    /// Scores the valid split (by the average of the weights with `train.ema`), appends a
    /// metrics row at `now` (with the learning rate and the share of time spent waiting for
    /// data since the last row) and writes a checkpoint.
    fn report(&mut self, state: &mut SavedState, lr: f64, data_wait: f64, now: f64) -> Result<()> {
        let req = self.req;
        let (valid_loss, valid_accuracy) = self.valid_scores();
        let previous = state
            .rows
            .last()
            .map_or((0, 0.0), |r| (r.targets_seen, r.wall_seconds));
        let p = &mut state.progress;
        p.wall_seconds = now;
        let row = MetricsRow {
            step: p.step,
            targets_seen: p.targets_seen,
            train_loss: p.loss_sum / p.loss_steps.max(1) as f64,
            valid_loss,
            valid_accuracy,
            valid_bits: valid_loss / std::f64::consts::LN_2,
            lr,
            wall_seconds: p.wall_seconds,
            data_wait,
        };
        if req.profile {
            self.profile_line(&row, previous);
        }
        (p.loss_sum, p.loss_steps) = (0.0, 0);
        self.pb.set_message(format!(
            "valid acc {:.4}, {:.4} bits",
            row.valid_accuracy, row.valid_bits
        ));
        state.rows.push(row);
        write_checkpoint(req.out, self.vs, (&*self.opt, self.ema.as_deref()), state)
    }

    /// The valid split's loss and accuracy, by the average of the weights with `train.ema`.
    fn valid_scores(&mut self) -> (f64, f64) {
        let req = self.req;
        let Some(ema) = self.ema.as_deref_mut() else {
            return validate(self.data, self.net, &req.run.train, req.device);
        };
        ema.swap(self.vs);
        let scores = validate(self.data, self.net, &req.run.train, req.device);
        ema.swap(self.vs);
        scores
    }

    /// `--profile`'s line at a report: targets per second since the `previous` row (targets
    /// seen, seconds), the share of the time spent waiting for data, the valid accuracy.
    fn profile_line(&self, row: &MetricsRow, previous: (u64, f64)) {
        let rate = (row.targets_seen - previous.0) as f64 / (row.wall_seconds - previous.1);
        self.pb.suspend(|| {
            eprintln!(
                "train-model: step {}: {rate:.0} targets/s, {:.1}% of the time waiting for data, valid acc {:.4}",
                row.step,
                100.0 * row.data_wait,
                row.valid_accuracy
            )
        });
    }
}

/// Mean loss (nats) and accuracy over the fixed valid chunks; NaN without valid windows.
fn validate(data: &Data, net: &dyn ContextNet, cfg: &TrainConfig, device: Device) -> (f64, f64) {
    let total = data.valid.total();
    if total == 0 || cfg.valid_chunks == 0 {
        return (f64::NAN, f64::NAN);
    }
    let starts: Vec<u64> = (0..cfg.valid_chunks as u64)
        .map(|j| j * total / cfg.valid_chunks as u64)
        .collect();
    let bf16 = cfg.precision.bf16_on(device);
    // (negative log-likelihood, correct, targets) summed
    let mut sums = [0f64; 3];
    for group in starts.chunks(cfg.batch) {
        let batch = valid_batch(data, cfg, net.field(), group);
        let ready = prepare(&batch, cfg.chunk, net.field(), None);
        let [loglik, correct, n] =
            tch::no_grad(|| valid_sums(net, &ready, cfg.chunk, device, bf16));
        sums[0] -= loglik;
        sums[1] += correct;
        sums[2] += n;
    }
    mean_scores(sums)
}

/// Mean loss and accuracy from summed negative log-likelihood, correct and targets; NaN
/// without targets.
fn mean_scores([nll, correct, n]: [f64; 3]) -> (f64, f64) {
    if n == 0.0 {
        (f64::NAN, f64::NAN)
    } else {
        (nll / n, correct / n)
    }
}

/// A valid batch's summed log-likelihood, correct predictions and targets (with `only`,
/// those of the class trained on: positions of weight 0 left out).
fn valid_sums(
    net: &dyn ContextNet,
    ready: &Ready,
    chunk: usize,
    device: Device,
    bf16: bool,
) -> [f64; 3] {
    let (logp, target, mask) = forward_batch(net, ready, chunk, net.field(), device, bf16);
    let mask = mask * on(&ready.weight, device).gt(0.0).to_kind(Kind::Float);
    let picked = logp
        .gather(2, &target.clamp_min(0).unsqueeze(-1), false)
        .squeeze_dim(-1);
    let hits = logp
        .argmax(-1, false)
        .eq_tensor(&target)
        .to_kind(Kind::Float);
    let sum = |t: Tensor| t.sum(Kind::Double).double_value(&[]);
    [sum(picked * &mask), sum(hits * &mask), sum(mask)]
}

/// The valid chunks at offsets `starts` of the concatenated valid windows (each moved back
/// to fit its window where it can), forward strand, weighted as trained (`only`) or not.
fn valid_batch(data: &Data, cfg: &TrainConfig, field: usize, starts: &[u64]) -> Batch {
    let valid_weights = match cfg.only {
        None => (1.0, 1.0),
        Some(_) => cfg.class_weights(),
    };
    let mut batch = Batch::new();
    for &x in starts {
        let (contig, ws, we, pos) = data.valid.locate(x);
        let start = pos.min(we.saturating_sub(cfg.chunk as u64)).max(ws);
        let s = Sample {
            start,
            win_end: we,
            rc: false,
            counted: false,
        };
        data.add_chunk(&mut batch, contig, s, cfg, field, valid_weights);
    }
    batch
}

/// `t` on `device`, copied without blocking (the host side is pinned for CUDA).
fn on(t: &Tensor, device: Device) -> Tensor {
    t.to_device_(device, t.kind(), true, false)
}

/// Log-probabilities (float32) of the central positions (N x chunk x 4), targets and a 0/1
/// mask; the network runs under bfloat16 autocast when `bf16`.
fn forward_batch(
    net: &dyn ContextNet,
    batch: &Ready,
    chunk: usize,
    field: usize,
    device: Device,
    bf16: bool,
) -> (Tensor, Tensor, Tensor) {
    let input = on(&batch.input, device);
    let target = on(&batch.target, device);
    let prior = batch.prior.as_ref().map(|p| on(p, device));
    let logp = autocast(device, bf16, || {
        net.forward_span(&input, prior.as_ref(), field as i64, chunk as i64)
    })
    .log_softmax(-1, Kind::Float);
    let mask = target.ge(0).to_kind(Kind::Float);
    (logp, target, mask)
}

/// The weighted mean negative log-likelihood (nats) of a batch.
fn batch_loss(
    net: &dyn ContextNet,
    batch: &Ready,
    chunk: usize,
    field: usize,
    device: Device,
    bf16: bool,
) -> Tensor {
    let (logp, target, mask) = forward_batch(net, batch, chunk, field, device, bf16);
    let weight = on(&batch.weight, device) * mask;
    let picked = logp
        .gather(2, &target.clamp_min(0).unsqueeze(-1), false)
        .squeeze_dim(-1);
    -(picked * &weight).sum(Kind::Float) / weight.sum(Kind::Float).clamp_min(1e-9)
}
