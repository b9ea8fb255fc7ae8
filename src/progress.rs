//! Progress on stderr: a bar on a terminal; on anything else (a workflow's log file) a line
//! at least once a minute with what is done, the rate and the time left. `--quiet` hides
//! both.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a log line is written when stderr is not a terminal: 60 s, or
/// `DNACTX_PROGRESS_SECS`.
fn log_every() -> Duration {
    let secs = std::env::var("DNACTX_PROGRESS_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(60.0);
    Duration::from_secs_f64(secs)
}

/// Writes `pb`'s state as a line to stderr every [`log_every`] until it finishes or is
/// dropped, when stderr is not a terminal.
fn log_lines(pb: &ProgressBar, what: &str, quiet: bool) {
    if quiet || std::io::stderr().is_terminal() {
        return;
    }
    let weak = pb.downgrade();
    let what = what.to_string();
    let every = log_every();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            let Some(pb) = weak.upgrade() else { return };
            if pb.is_finished() {
                return;
            }
            eprintln!("{}", log_line(&what, &pb));
        }
    });
}

/// `what: done of total (share), rate/s, time left`, or the elapsed time without a total.
fn log_line(what: &str, pb: &ProgressBar) -> String {
    let elapsed = pb.elapsed().as_secs_f64();
    let done = pb.position();
    let rate = done as f64 / elapsed.max(1e-9);
    match pb.length().filter(|&n| n > 0) {
        Some(total) => {
            let left = total.saturating_sub(done) as f64 / rate.max(1e-9);
            format!(
                "{what}: {done} of {total} ({:.1}%), {rate:.0}/s, {} elapsed, about {} left",
                100.0 * done as f64 / total as f64,
                clock(elapsed),
                clock(left)
            )
        }
        None => format!("{what}: {} elapsed {}", clock(elapsed), pb.message()),
    }
}

fn clock(secs: f64) -> String {
    let s = secs.min(1e9) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A bar counting bases (or other units) towards `total`.
pub fn bar(total: u64, what: &str, quiet: bool) -> ProgressBar {
    let pb = ProgressBar::new(total);
    if quiet {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    log_lines(&pb, what, quiet);
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} {what} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} ({{per_sec}}, eta {{eta}}) {{msg}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style);
    pb
}

/// A warning on stderr: something the user should know that does not stop the run.
pub fn warn(msg: impl std::fmt::Display) {
    eprintln!("warning: {msg}");
}

/// A spinner for a long step without a measurable total.
pub fn spinner(what: &str, quiet: bool) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    if quiet {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_message(what.to_string());
    log_lines(&pb, what, quiet);
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}
