//! The training loop shared by every architecture: chunks sampled from the train windows,
//! every position of a chunk a target, AdamW with warm-up and cosine decay, reverse-complement
//! augmentation, the valid split scored every N steps, atomic checkpoints and `--resume`.
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
pub use super::checkpoint::{MetricsRow, write_metrics};
use super::checkpoint::{SavedState, create_folder, finish, resume_folder, write_checkpoint};
use super::config::{RunConfig, TrainConfig};
use super::data::{Batch, Data, Repeats, Sample, add_sample, load_data, sample_batch};
use super::folder::FolderConfig;
use super::prior::{self, Prior};
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
    /// A k-mer count table or an FM-index (train split) fed to the head as a prior, and
    /// its settings.
    pub prior: Option<(PathBuf, prior::PriorSettings)>,
    pub device: Device,
    pub resume: bool,
    pub quiet: bool,
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
        Some((path, settings)) => {
            let p = Prior::load(path, settings, true)?;
            p.check_genome(path, req.genome)?;
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
    let mut data = load_data(req.genome, req.windows, req.repeats.as_ref(), req.quiet)?;
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
    let mut state = if req.resume {
        resume_folder(req.out, &folder_cfg, &vs, &mut opt)?
    } else {
        let prior_table = req
            .prior
            .as_ref()
            .zip(data.prior.as_ref())
            .map(|((table, _), p)| (table.as_path(), p.info.table.as_str()));
        create_folder(req.out, &folder_cfg, prior_table)?
    };
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
    if cfg.max_minutes.is_nan() || cfg.max_minutes < 0.0 {
        return bad("max_minutes must be 0 (none) or more");
    }
    if cfg.steps == 0 && cfg.max_targets == 0 && cfg.max_minutes == 0.0 {
        return bad("set a budget: steps, max_minutes or max_targets");
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

/// How far the decay has gone after `step + 1` steps, `targets` targets and `elapsed`
/// seconds, 0..=1: the largest share of any budget spent since warm-up ended (`warm`:
/// targets and seconds then). 1 when a budget is spent.
fn decay_fraction(
    cfg: &TrainConfig,
    step: usize,
    targets: u64,
    elapsed: f64,
    warm: (u64, f64),
) -> f64 {
    let share = |used: f64, start: f64, budget: f64| {
        if budget <= start {
            1.0
        } else {
            ((used - start) / (budget - start)).clamp(0.0, 1.0)
        }
    };
    let mut t: f64 = 0.0;
    if cfg.steps > 0 {
        let w = cfg.warmup.min(cfg.steps) as f64;
        t = t.max(share((step + 1) as f64, w, cfg.steps as f64));
    }
    if cfg.max_targets > 0 {
        t = t.max(share(targets as f64, warm.0 as f64, cfg.max_targets as f64));
    }
    if cfg.max_minutes > 0.0 {
        t = t.max(share(elapsed, warm.1, cfg.max_minutes * 60.0));
    }
    t
}

/// The learning rate of step `step`: linear warm-up, then cosine decay over `fraction`
/// ([`decay_fraction`]) to `min_lr_ratio * lr`.
fn lr_at(cfg: &TrainConfig, step: usize, fraction: f64) -> f64 {
    if step < cfg.warmup {
        return cfg.lr * (step + 1) as f64 / cfg.warmup as f64;
    }
    let min = cfg.lr * cfg.min_lr_ratio;
    min + 0.5 * (cfg.lr - min) * (1.0 + (std::f64::consts::PI * fraction).cos())
}

/// True when a budget is spent.
fn budget_spent(cfg: &TrainConfig, step: usize, targets: u64, elapsed: f64) -> bool {
    (cfg.steps > 0 && step >= cfg.steps)
        || (cfg.max_targets > 0 && targets >= cfg.max_targets)
        || (cfg.max_minutes > 0.0 && elapsed >= cfg.max_minutes * 60.0)
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
    let total = if cfg.max_targets > 0 {
        cfg.max_targets
    } else {
        per_step * cfg.steps as u64
    };
    let pb = crate::progress::bar(total, "train-model", req.quiet);
    pb.set_position(state.progress.targets_seen.min(total));
    pb.reset_eta();
    let mut step = state.progress.step;
    let mut lr = cfg.lr;
    // Seconds per step (a moving average, reports included): a time budget is judged by
    // when the step would end, so the last step is the one that ends on time, at the
    // smallest rate.
    let mut step_secs = 0.0f64;
    let mut last = wall_before;
    let first = state.progress.step;
    let mut decayed = 0.0f64;
    loop {
        let now = wall_before + started.elapsed().as_secs_f64();
        let mut horizon = step_secs;
        if step > first {
            let took = now - last;
            step_secs = if step_secs == 0.0 {
                took
            } else {
                0.8 * step_secs + 0.2 * took
            };
            // the slower of the average and the last step (a report, a busy machine)
            horizon = step_secs.max(took);
        }
        last = now;
        let elapsed = now + horizon;
        if budget_spent(cfg, step, state.progress.targets_seen, elapsed) {
            break;
        }
        if step >= cfg.warmup && state.progress.warmup_end.is_none() {
            state.progress.warmup_end = Some((state.progress.targets_seen, elapsed));
        }
        let batch = sample_batch(data, cfg, field, step);
        let loss = batch_loss(net, &batch, cfg.chunk, field, req.device);
        loss.backward();
        let warm = state.progress.warmup_end.unwrap_or((0, 0.0));
        let targets = state.progress.targets_seen + batch.targets();
        // never back: a time budget's look-ahead varies with the step time (the decay starts
        // when warm-up ends; the share of a step or target budget only grows, so a resumed
        // run's rates are those of an uninterrupted one)
        if state.progress.warmup_end.is_some() {
            decayed = decayed.max(decay_fraction(cfg, step, targets, elapsed, warm));
        }
        let fraction = decayed;
        lr = lr_at(cfg, step, fraction);
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
        state.progress.targets_seen = targets;
        pb.set_position(state.progress.targets_seen);
        let now = wall_before + started.elapsed().as_secs_f64();
        if step.is_multiple_of(cfg.valid_every) || budget_spent(cfg, step, targets, now + horizon) {
            state.progress.wall_seconds = now;
            report(req, data, net, vs, opt, state, lr, &pb)?;
        }
    }
    if state.rows.last().map(|r| r.step) != Some(step) {
        state.progress.wall_seconds = wall_before + started.elapsed().as_secs_f64();
        report(req, data, net, vs, opt, state, lr, &pb)?;
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

#[cfg(test)]
mod schedule_tests {
    use super::*;

    fn cfg() -> TrainConfig {
        TrainConfig {
            steps: 0,
            warmup: 10,
            lr: 1.0,
            min_lr_ratio: 0.05,
            ..TrainConfig::default()
        }
    }

    /// Each budget alone: warm-up, then the rate falls to its minimum exactly when the
    /// budget is spent, and the budget then ends training.
    #[test]
    fn the_decay_ends_with_the_budget() {
        let min = 0.05;
        // steps
        let c = TrainConfig {
            steps: 100,
            ..cfg()
        };
        assert_eq!(lr_at(&c, 0, decay_fraction(&c, 0, 0, 0.0, (0, 0.0))), 0.1);
        assert_eq!(
            lr_at(&c, 10, decay_fraction(&c, 10, 0, 0.0, (0, 0.0))),
            1.0 - 0.95 * (1.0 - (std::f64::consts::PI / 90.0).cos()) / 2.0
        );
        let last = lr_at(&c, 99, decay_fraction(&c, 99, 0, 0.0, (0, 0.0)));
        assert!((last - min).abs() < 1e-12, "{last}");
        assert!(!budget_spent(&c, 99, 0, 0.0) && budget_spent(&c, 100, 0, 0.0));
        // targets: half-way since warm-up ended (at 1,000 targets) is the cosine's middle
        let c = TrainConfig {
            max_targets: 11_000,
            ..cfg()
        };
        let mid = lr_at(&c, 50, decay_fraction(&c, 50, 6_000, 0.0, (1_000, 0.0)));
        assert!((mid - (min + (1.0 - min) / 2.0)).abs() < 1e-12, "{mid}");
        let end = lr_at(&c, 90, decay_fraction(&c, 90, 11_000, 0.0, (1_000, 0.0)));
        assert!((end - min).abs() < 1e-12 && budget_spent(&c, 91, 11_000, 0.0));
        // minutes: by the clock, whatever the steps
        let c = TrainConfig {
            max_minutes: 2.0,
            ..cfg()
        };
        let mid = lr_at(&c, 12, decay_fraction(&c, 12, 0, 65.0, (0, 10.0)));
        assert!((mid - (min + (1.0 - min) / 2.0)).abs() < 1e-12, "{mid}");
        assert!(!budget_spent(&c, 10_000, 0, 119.9) && budget_spent(&c, 3, 0, 120.0));
        // two budgets: the first to run out sets the pace
        let c = TrainConfig {
            steps: 1_000,
            max_minutes: 1.0,
            ..cfg()
        };
        let f = decay_fraction(&c, 100, 0, 60.0, (0, 0.0));
        assert_eq!(f, 1.0);
        // no budget at all is refused
        assert!(check_train_config(&cfg()).is_err());
        assert!(
            check_train_config(&TrainConfig {
                max_targets: 5,
                ..cfg()
            })
            .is_ok()
        );
    }
}
