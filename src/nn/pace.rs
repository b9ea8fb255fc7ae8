//! The pace of the training loop: when to stop (the budgets, judged by when a step would
//! end), the learning rate of each step, the losses read back from the device, and the time
//! spent waiting for data.

use std::time::Instant;

use tch::{Device, Kind, Tensor};

use super::checkpoint::SavedState;
use super::config::TrainConfig;
use super::folder::CheckpointState;
use super::schedule::{Clock, budget_spent, decay_fraction, last_in_time, lr_at};
use crate::{Error, Result};

/// The loop's own state besides the checkpointed progress.
pub(super) struct Pace {
    pub(super) clock: Clock,
    pub(super) waits: Waits,
    pub(super) losses: Losses,
    /// The share of the decay done: never back, since a time budget's look-ahead varies with
    /// the step time (the share of a step or target budget only grows, so a resumed run's
    /// rates are those of an uninterrupted one).
    decayed: f64,
    /// The learning rate of the last step.
    pub(super) lr: f64,
    /// The step the run (re)started at.
    first: usize,
}

impl Pace {
    /// The pace of a run at the progress `p`, on `device`.
    pub(super) fn new(cfg: &TrainConfig, p: &CheckpointState, device: Device) -> Pace {
        let clock = Clock::new(p.wall_seconds);
        Pace {
            waits: Waits::new(clock.now()),
            clock,
            losses: Losses::new(device),
            decayed: 0.0,
            lr: cfg.lr,
            first: p.step,
        }
    }

    /// Whether to take the step `p.step`, which would end at `elapsed`: `None` when a budget
    /// is spent, else whether it is the last ([`last_in_time`]). Records when warm-up ends.
    pub(super) fn go_on(
        &self,
        cfg: &TrainConfig,
        p: &mut CheckpointState,
        elapsed: f64,
    ) -> Option<bool> {
        let (step, seen) = (p.step, p.targets_seen);
        let mut last = last_in_time(cfg, elapsed, self.clock.step_secs());
        if budget_spent(cfg, step, seen, elapsed) {
            // the time ran out before a step ran at the smallest rate (the step before took
            // longer than foreseen: a report, a busy machine): one more step, at it
            let owed = step > self.first
                && self.decayed < 1.0
                && p.warmup_end.is_some()
                && !budget_spent(cfg, step, seen, 0.0);
            if !owed {
                return None;
            }
            last = true;
        }
        if step >= cfg.warmup && p.warmup_end.is_none() {
            p.warmup_end = Some((seen, elapsed));
        }
        Some(last)
    }

    /// The learning rate of step `p.step`, after which `targets` targets are seen at
    /// `elapsed` seconds; the smallest when it is the `last`.
    pub(super) fn rate(
        &mut self,
        cfg: &TrainConfig,
        p: &CheckpointState,
        targets: u64,
        elapsed: f64,
        last: bool,
    ) -> f64 {
        if let Some(warm) = p.warmup_end {
            let f = decay_fraction(cfg, p.step, targets, elapsed, warm);
            self.decayed = self.decayed.max(f);
        }
        if last {
            self.decayed = 1.0;
        }
        self.lr = lr_at(cfg, p.step, self.decayed);
        self.lr
    }

    /// The step the run (re)started at.
    pub(super) fn first(&self) -> usize {
        self.first
    }
}

/// Seconds spent waiting for batches since the last report, for the share in its row.
pub(super) struct Waits {
    waited: f64,
    since: f64,
}

impl Waits {
    pub(super) fn new(now: f64) -> Waits {
        Waits {
            waited: 0.0,
            since: now,
        }
    }

    pub(super) fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let asked = Instant::now();
        let out = f();
        self.waited += asked.elapsed().as_secs_f64();
        out
    }

    /// The share of the time since the last report spent waiting, until `now`.
    pub(super) fn share(&self, now: f64) -> f64 {
        self.waited / (now - self.since).max(1e-9)
    }
}

/// Steps whose loss is read back to the host together on CUDA (each read waits for the device).
const LOSS_READS: usize = 50;

/// The training losses of the steps since they were last read back, summed on the device.
pub(super) struct Losses {
    sum: Tensor,
    steps: usize,
    /// Steps to sum before a read: 1 on the CPU (nothing to wait for), [`LOSS_READS`] on CUDA.
    every: usize,
}

impl Losses {
    pub(super) fn new(device: Device) -> Losses {
        Losses {
            sum: Tensor::zeros([], (Kind::Double, device)),
            steps: 0,
            every: if device.is_cuda() { LOSS_READS } else { 1 },
        }
    }

    pub(super) fn add(&mut self, loss: &Tensor) {
        tch::no_grad(|| {
            let _ = self.sum.g_add_(&loss.detach().to_kind(Kind::Double));
        });
        self.steps += 1;
    }

    pub(super) fn full(&self) -> bool {
        self.steps >= self.every
    }

    /// Adds the losses summed so far to the run's (`step`: the steps done); an error when
    /// they are not finite (the run diverged).
    pub(super) fn read(&mut self, state: &mut SavedState, step: usize) -> Result<()> {
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
            return Err(Error::config(
                "train.lr",
                format!(
                    "training diverged {at} (loss {}): lower train.lr",
                    sum / self.steps as f64
                ),
            ));
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
