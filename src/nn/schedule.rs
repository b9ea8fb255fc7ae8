//! The learning-rate schedule laid over the budgets: linear warm-up, then cosine decay that
//! reaches `min_lr_ratio * lr` exactly when the first budget (steps, targets or minutes)
//! runs out.

use std::time::Instant;

use super::config::TrainConfig;

/// How far the decay has gone after `step + 1` steps, `targets` targets and `elapsed`
/// seconds, 0..=1: the largest share of any budget spent since warm-up ended (`warm`:
/// targets and seconds then). 1 when a budget is spent.
pub(super) fn decay_fraction(
    cfg: &TrainConfig,
    step: usize,
    targets: u64,
    elapsed: f64,
    warm: (u64, f64),
) -> f64 {
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

/// The share of a budget from `start` to `budget` spent at `used`, 0..=1 (1 when the budget
/// ends where it starts).
fn share(used: f64, start: f64, budget: f64) -> f64 {
    if budget <= start {
        1.0
    } else {
        ((used - start) / (budget - start)).clamp(0.0, 1.0)
    }
}

/// The learning rate of step `step`: linear warm-up, then cosine decay over `fraction`
/// ([`decay_fraction`]) to `min_lr_ratio * lr`.
pub(super) fn lr_at(cfg: &TrainConfig, step: usize, fraction: f64) -> f64 {
    if step < cfg.warmup {
        return cfg.lr * (step + 1) as f64 / cfg.warmup as f64;
    }
    let min = cfg.lr * cfg.min_lr_ratio;
    min + 0.5 * (cfg.lr - min) * (1.0 + (std::f64::consts::PI * fraction).cos())
}

/// True when a budget is spent.
pub(super) fn budget_spent(cfg: &TrainConfig, step: usize, targets: u64, elapsed: f64) -> bool {
    (cfg.steps > 0 && step >= cfg.steps)
        || (cfg.max_targets > 0 && targets >= cfg.max_targets)
        || (cfg.max_minutes > 0.0 && elapsed >= cfg.max_minutes * 60.0)
}

/// True when a step that would end at `elapsed` is the last a time budget allows: the one
/// after it, at `step_secs` a step, would end past the budget. That step runs at the smallest
/// rate and ends training, so a timed run always finishes its decay.
pub(super) fn last_in_time(cfg: &TrainConfig, elapsed: f64, step_secs: f64) -> bool {
    cfg.max_minutes > 0.0 && elapsed + step_secs >= cfg.max_minutes * 60.0
}

/// The run's clock: seconds since training began (a resumed run's earlier time included) and
/// how long a step takes, so that a time budget is judged by when a step would end.
pub(super) struct Clock {
    started: Instant,
    before: f64,
    /// Seconds per step, a moving average (reports included).
    step_secs: f64,
    last: f64,
}

impl Clock {
    /// A clock that starts at `before` seconds (a resumed run's).
    pub(super) fn new(before: f64) -> Clock {
        Clock {
            started: Instant::now(),
            before,
            step_secs: 0.0,
            last: before,
        }
    }

    pub(super) fn now(&self) -> f64 {
        self.before + self.started.elapsed().as_secs_f64()
    }

    /// Seconds per step, a moving average; 0 before the first step is timed.
    pub(super) fn step_secs(&self) -> f64 {
        self.step_secs
    }

    /// Called before each step (`timed`: a step was taken since the clock started): the time
    /// now and the look-ahead, how long the coming step may take (the slower of the average
    /// and the last step: a report, a busy machine).
    pub(super) fn tick(&mut self, timed: bool) -> (f64, f64) {
        let now = self.now();
        let mut horizon = self.step_secs;
        if timed {
            let took = now - self.last;
            self.step_secs = if self.step_secs == 0.0 {
                took
            } else {
                0.8 * self.step_secs + 0.2 * took
            };
            horizon = self.step_secs.max(took);
        }
        self.last = now;
        (now, horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::train::check_train_config;

    fn cfg() -> TrainConfig {
        TrainConfig {
            steps: 0,
            warmup: 10,
            lr: 1.0,
            min_lr_ratio: 0.05,
            ..TrainConfig::default()
        }
    }

    const MIN: f64 = 0.05;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-12
    }

    /// A step budget alone: warm-up, then the rate falls to its minimum exactly when the
    /// budget is spent, and the budget then ends training.
    #[test]
    fn the_decay_ends_with_a_step_budget() {
        let c = TrainConfig {
            steps: 100,
            ..cfg()
        };
        let at = |step| lr_at(&c, step, decay_fraction(&c, step, 0, 0.0, (0, 0.0)));
        assert_eq!(at(0), 0.1);
        let after_warmup = 1.0 - 0.95 * (1.0 - (std::f64::consts::PI / 90.0).cos()) / 2.0;
        assert_eq!(at(10), after_warmup);
        assert!(close(at(99), MIN), "{}", at(99));
        assert!(!budget_spent(&c, 99, 0, 0.0) && budget_spent(&c, 100, 0, 0.0));
    }

    /// A target budget: half-way since warm-up ended (at 1,000 targets) is the cosine's
    /// middle.
    #[test]
    fn the_decay_ends_with_a_target_budget() {
        let c = TrainConfig {
            max_targets: 11_000,
            ..cfg()
        };
        let mid = lr_at(&c, 50, decay_fraction(&c, 50, 6_000, 0.0, (1_000, 0.0)));
        assert!(close(mid, MIN + (1.0 - MIN) / 2.0), "{mid}");
        let end = lr_at(&c, 90, decay_fraction(&c, 90, 11_000, 0.0, (1_000, 0.0)));
        assert!(close(end, MIN) && budget_spent(&c, 91, 11_000, 0.0));
    }

    /// A time budget: by the clock, whatever the steps; the last step in time is the one
    /// after which another would end past the budget.
    #[test]
    fn the_decay_ends_with_a_time_budget() {
        let c = TrainConfig {
            max_minutes: 2.0,
            ..cfg()
        };
        let mid = lr_at(&c, 12, decay_fraction(&c, 12, 0, 65.0, (0, 10.0)));
        assert!(close(mid, MIN + (1.0 - MIN) / 2.0), "{mid}");
        assert!(!budget_spent(&c, 10_000, 0, 119.9) && budget_spent(&c, 3, 0, 120.0));
        assert!(!last_in_time(&c, 118.0, 1.5) && last_in_time(&c, 118.5, 1.5));
        assert!(!last_in_time(&TrainConfig { steps: 5, ..cfg() }, 1e9, 1.0));
        // two budgets: the first to run out sets the pace
        let c = TrainConfig {
            steps: 1_000,
            max_minutes: 1.0,
            ..cfg()
        };
        assert_eq!(decay_fraction(&c, 100, 0, 60.0, (0, 0.0)), 1.0);
    }

    /// A run needs a budget; an average of the weights decays by less than 1 per step.
    #[test]
    fn budgets_and_averages_are_checked() {
        assert!(check_train_config(&cfg()).is_err());
        let budget = TrainConfig {
            max_targets: 5,
            ..cfg()
        };
        assert!(check_train_config(&budget).is_ok());
        for (ema, ok) in [
            (0.999, true),
            (1.0, false),
            (-0.5, false),
            (f64::NAN, false),
        ] {
            let c = TrainConfig {
                ema,
                ..budget.clone()
            };
            assert_eq!(check_train_config(&c).is_ok(), ok, "ema {ema}");
        }
    }
}
