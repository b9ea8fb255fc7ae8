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
use std::time::Instant;

use tch::{Device, Kind, Tensor, nn};

use super::adamw::AdamW;
use super::arch::{ContextNet, build};
use super::batches::{Batches, Ready, prepare};
pub use super::checkpoint::{MetricsRow, write_metrics};
use super::checkpoint::{SavedState, create_folder, finish, resume_folder, write_checkpoint};
use super::config::{RunConfig, TrainConfig};
use super::data::{Batch, Data, Labels, Repeats, Sample, add_sample, load_data};
use super::ema::Ema;
use super::folder::FolderConfig;
use super::precision::autocast;
use super::prior::{self, Prior};
use super::prior_cache::PriorCache;
use super::schedule::{Clock, budget_spent, decay_fraction, last_in_time, lr_at};
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
    let channels = req.prior.as_ref().map_or(0, |(_, s)| s.channels());
    let net = build(&vs.root(), &req.run.model, channels, cfg.target)?;
    let field = net.field();
    if field > cfg.chunk {
        return Err(Error::Config(format!(
            "the model's field ({field} bases each side) is larger than the chunk ({} targets): raise train.chunk or lower the flank",
            cfg.chunk
        )));
    }
    let prior = load_prior(&req, net.min_field())?;
    let mut data = load_data(req.genome, req.windows, req.repeats.as_ref(), req.quiet)?;
    if cfg.target == crate::target::Target::Repeat && !data.has_repeats() {
        return Err(Error::Config(
            "a repeat classifier (target: repeat) has no repeats to learn from: the train and valid chromosomes have none (give --repeats, a mask-repeats BED, or a soft-masked genome)".into(),
        ));
    }
    attach_prior(&mut data, prior, cfg, req.quiet);
    let folder_cfg = FolderConfig {
        dnactx_version: crate::VERSION.into(),
        model: req.run.model.clone(),
        train: cfg.clone(),
        field,
        min_field: net.min_field(),
        parameters: super::parameter_count(&vs),
        flops_per_base: super::flops::forward_per_position(&req.run.model),
        preset: req.preset.clone(),
        data: data.info.clone(),
        prior: data.prior.as_ref().map(|p| p.info.clone()),
    };
    let mut opt = AdamW::new(&vs, cfg.weight_decay);
    let mut ema = Ema::new(&vs, cfg.ema);
    let mut state = if req.resume {
        resume_folder(req.out, &folder_cfg, &vs, &mut opt, ema.as_mut())?
    } else {
        let prior_table = req
            .prior
            .as_ref()
            .zip(data.prior.as_ref())
            .map(|((table, _), p)| (table.as_path(), p.info.table.as_str()));
        create_folder(req.out, &folder_cfg, prior_table)?
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
    let bad = |m: &str| Err(Error::Config(format!("train: {m}")));
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
    if cfg.prefetch.is_some_and(|n| n > 0) && cfg.loaders == 0 {
        return bad("loaders must be at least 1 when prefetch is on");
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

/// Seconds spent waiting for batches since the last report, for the share in its row.
struct Waits {
    waited: f64,
    since: f64,
}

impl Waits {
    fn new(now: f64) -> Waits {
        Waits {
            waited: 0.0,
            since: now,
        }
    }

    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let asked = Instant::now();
        let out = f();
        self.waited += asked.elapsed().as_secs_f64();
        out
    }

    /// The share of the time since the last report spent waiting, until `now`.
    fn share(&self, now: f64) -> f64 {
        self.waited / (now - self.since).max(1e-9)
    }
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
        let first = state.progress.step;
        let mut clock = Clock::new(state.progress.wall_seconds);
        let mut waits = Waits::new(clock.now());
        // the losses since they were last read back: on CUDA every LOSS_READS steps and at
        // each report, so that the host does not wait for the device at every step
        let mut losses = Losses::new(req.device);
        // the share of the decay done: never back, since a time budget's look-ahead varies
        // with the step time (the share of a step or target budget only grows, so a resumed
        // run's rates are those of an uninterrupted one)
        let mut decayed = 0.0f64;
        let mut lr = cfg.lr;
        loop {
            let step = state.progress.step;
            let (now, horizon) = clock.tick(step > first);
            let elapsed = now + horizon;
            let seen = state.progress.targets_seen;
            let mut last = last_in_time(cfg, elapsed, clock.step_secs());
            if budget_spent(cfg, step, seen, elapsed) {
                // the time ran out before a step ran at the smallest rate (the step before
                // took longer than foreseen: a report, a busy machine): one more step, at it
                let owed = step > first
                    && decayed < 1.0
                    && state.progress.warmup_end.is_some()
                    && !budget_spent(cfg, step, seen, 0.0);
                if !owed {
                    break;
                }
                last = true;
            }
            if step >= cfg.warmup && state.progress.warmup_end.is_none() {
                state.progress.warmup_end = Some((seen, elapsed));
            }
            let batch = waits.time(|| batches.get(cfg, step));
            let loss = self.backward(&batch);
            let targets = seen + batch.targets;
            if let Some(warm) = state.progress.warmup_end {
                decayed = decayed.max(decay_fraction(cfg, step, targets, elapsed, warm));
            }
            if last {
                decayed = 1.0;
            }
            lr = lr_at(cfg, step, decayed);
            self.opt.step(lr, cfg.grad_clip)?;
            if let Some(ema) = self.ema.as_deref_mut() {
                ema.update(self.vs);
            }
            losses.add(&loss);
            state.progress.step = step + 1;
            state.progress.targets_seen = targets;
            self.pb.set_position(targets);
            let now = clock.now();
            let due = last
                || (step + 1).is_multiple_of(cfg.valid_every)
                || budget_spent(cfg, step + 1, targets, now + horizon);
            if due || losses.full() {
                losses.read(state, step + 1)?;
            }
            if due {
                self.report(state, lr, waits.share(now), now)?;
                waits = Waits::new(clock.now());
            }
            if last {
                break;
            }
        }
        losses.read(state, state.progress.step)?;
        if state.rows.last().map(|r| r.step) != Some(state.progress.step) {
            let now = clock.now();
            self.report(state, lr, waits.share(now), now)?;
        }
        self.pb.finish_and_clear();
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
        let cfg = &req.run.train;
        let (valid_loss, valid_accuracy) = match self.ema.as_deref_mut() {
            Some(ema) => {
                ema.swap(self.vs);
                let scores = validate(self.data, self.net, cfg, req.device);
                ema.swap(self.vs);
                scores
            }
            None => validate(self.data, self.net, cfg, req.device),
        };
        let previous = state
            .rows
            .last()
            .map_or((0, 0.0), |r| (r.targets_seen, r.wall_seconds));
        let ln2 = std::f64::consts::LN_2;
        let p = &mut state.progress;
        p.wall_seconds = now;
        let row = MetricsRow {
            step: p.step,
            targets_seen: p.targets_seen,
            train_loss: p.loss_sum / p.loss_steps.max(1) as f64,
            valid_loss,
            valid_accuracy,
            valid_bits: valid_loss / ln2,
            lr,
            wall_seconds: p.wall_seconds,
            data_wait,
        };
        if req.profile {
            let rate = (row.targets_seen - previous.0) as f64 / (row.wall_seconds - previous.1);
            self.pb.suspend(|| {
                eprintln!(
                    "train-model: step {}: {rate:.0} targets/s, {:.1}% of the time waiting for data, valid acc {:.4}",
                    row.step,
                    100.0 * data_wait,
                    row.valid_accuracy
                )
            });
        }
        p.loss_sum = 0.0;
        p.loss_steps = 0;
        self.pb.set_message(format!(
            "valid acc {:.4}, {:.4} bits",
            row.valid_accuracy, row.valid_bits
        ));
        state.rows.push(row);
        write_checkpoint(req.out, self.vs, (&*self.opt, self.ema.as_deref()), state)
    }
}

/// Steps whose loss is read back to the host together on CUDA (each read waits for the device).
const LOSS_READS: usize = 50;

/// The training losses of the steps since they were last read back, summed on the device.
struct Losses {
    sum: Tensor,
    steps: usize,
    /// Steps to sum before a read: 1 on the CPU (nothing to wait for), [`LOSS_READS`] on CUDA.
    every: usize,
}

impl Losses {
    fn new(device: Device) -> Losses {
        Losses {
            sum: Tensor::zeros([], (Kind::Double, device)),
            steps: 0,
            every: if device.is_cuda() { LOSS_READS } else { 1 },
        }
    }

    fn add(&mut self, loss: &Tensor) {
        tch::no_grad(|| {
            let _ = self.sum.g_add_(&loss.detach().to_kind(Kind::Double));
        });
        self.steps += 1;
    }

    fn full(&self) -> bool {
        self.steps >= self.every
    }

    /// Adds the losses summed so far to the run's (`step`: the steps done); an error when
    /// they are not finite (the run diverged).
    fn read(&mut self, state: &mut SavedState, step: usize) -> Result<()> {
        if self.steps == 0 {
            return Ok(());
        }
        let sum = self.sum.double_value(&[]);
        if !sum.is_finite() {
            let at = if self.steps == 1 {
                format!("at step {}", step - 1)
            } else {
                format!("between steps {} and {}", step - self.steps, step - 1)
            };
            return Err(Error::Config(format!(
                "training diverged {at} (loss {}): lower train.lr",
                sum / self.steps as f64
            )));
        }
        state.progress.loss_sum += sum;
        state.progress.loss_steps += self.steps;
        tch::no_grad(|| {
            let _ = self.sum.zero_();
        });
        self.steps = 0;
        Ok(())
    }
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
    let bf16 = cfg.precision.bf16_on(device);
    let valid_weights = match cfg.only {
        None => (1.0, 1.0),
        Some(_) => cfg.class_weights(),
    };
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
                data.prior_source(),
                s,
                cfg.chunk,
                field,
                Labels {
                    target: cfg.target,
                    weights: valid_weights,
                },
            );
        }
        let ready = prepare(&batch, cfg.chunk, field, None);
        tch::no_grad(|| {
            let (logp, target, mask) = forward_batch(net, &ready, cfg.chunk, field, device, bf16);
            // with `only`, the class trained on (positions of weight 0 left out)
            let mask = mask * on(&ready.weight, device).gt(0.0).to_kind(Kind::Float);
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
