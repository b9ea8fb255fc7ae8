//! A trained model folder as a [`Predictor`]: chunks are stacked into a batch, run without
//! gradients, and turned into probabilities of the central positions. While the device runs
//! one batch, a second thread prepares the next (encoding, prior lookup, pinned memory for
//! CUDA). Both strands (`--rc-average`) of a model of the base whose prior is strand-symmetric
//! (or that has none) are scored from one prepared batch: the reverse complement is made on
//! the device, its prior the forward prior mirrored, the two strands run in one pass on CUDA
//! (two on the CPU), and their probabilities are averaged there. The LSTM (whose predictions
//! depend on where a row ends), other targets and other priors score the reverse strand as
//! chunks of their own ([`crate::predict::predict_strands`]).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use tch::{Device, Kind, Tensor, nn};

use super::arch::{self, ContextNet, build_layout};
use super::folder::{self, FolderConfig};
use super::layers::UNKNOWN_CODE;
use super::packing::Layout;
use super::precision::autocast;
use super::prior::Prior;
use crate::compute::Dtype;
use crate::predict::{Predictor, Probs};
use crate::target::Target;
use crate::{Error, Result};

mod batches;
mod features;

use batches::Prepared;

/// A network with its weights, ready to score.
pub struct NeuralModel {
    net: Mutex<(nn::VarStore, Box<dyn ContextNet>)>,
    prior: Option<Prior>,
    pub config: FolderConfig,
    device: Device,
    /// Forward passes under bfloat16 autocast.
    bf16: bool,
    chunk: usize,
    batch: usize,
    /// Nanoseconds spent in [`NeuralModel::predict_classes`] and, of them, waiting for the
    /// preparing thread (the device idle for want of data).
    busy_ns: AtomicU64,
    wait_ns: AtomicU64,
    /// Of the busy time, in the device's forward passes (to the probabilities on the host);
    /// and the preparing thread's time (encoding, prior lookup, pinned copies).
    device_ns: AtomicU64,
    prepare_ns: AtomicU64,
    /// Forward passes run, the positions of their inputs (padding included), and of those
    /// the positions predicted for a caller: the share of the device's work that was used.
    passes: AtomicU64,
    ran: AtomicU64,
    used: AtomicU64,
    /// Every group padded to one shape (batch x (chunk + 2 field)): on by default on CUDA.
    fixed_shapes: bool,
}

impl NeuralModel {
    /// Loads a model folder onto `device`, checking its version and weights; `precision`
    /// is the arithmetic of its forward passes.
    pub fn load(folder: &Path, device: Device, precision: Dtype) -> Result<NeuralModel> {
        let config = folder::read_config(folder)?;
        let weights = weights_file(folder)?;
        let prior = (config.prior.as_ref()).map(|info| Prior::from_info(folder, info));
        let prior = prior.transpose()?;
        let channels = prior.as_ref().map_or(0, Prior::channels);
        let (vs, net) = load_net(&weights, &config, channels, device)?;
        let chunk = config.train.chunk.max(256);
        precision.apply(device);
        Ok(NeuralModel {
            net: Mutex::new((vs, net)),
            prior,
            device,
            bf16: precision.bf16_on(device),
            chunk,
            batch: config.train.batch.max(1),
            config,
            busy_ns: AtomicU64::new(0),
            wait_ns: AtomicU64::new(0),
            device_ns: AtomicU64::new(0),
            prepare_ns: AtomicU64::new(0),
            passes: AtomicU64::new(0),
            ran: AtomicU64::new(0),
            used: AtomicU64::new(0),
            fixed_shapes: fixed_shapes_on(device),
        })
    }
}

/// The environment variable that sets [`NeuralModel::with_fixed_shapes`] on any device (`1`
/// or `0`): a benchmark on the CPU then runs the passes CUDA runs.
pub const FIXED_SHAPES_ENV: &str = "DNACTX_FIXED_SHAPES";

/// Fixed shapes on CUDA unless [`FIXED_SHAPES_ENV`] says otherwise.
fn fixed_shapes_on(device: Device) -> bool {
    env_switch(FIXED_SHAPES_ENV).unwrap_or(device.is_cuda())
}

/// The environment variable `name` as a switch: `1` on, `0` off, anything else unset.
fn env_switch(name: &str) -> Option<bool> {
    match std::env::var(name).as_deref() {
        Ok("1") => Some(true),
        Ok("0") => Some(false),
        _ => None,
    }
}

/// The environment variable that sets the layout of the networks that score (`1`:
/// channels-last, `0`: channels-first) on any device; with [`FIXED_SHAPES_ENV`] `1` the CPU
/// then runs the network and the passes that CUDA runs. Training and the benchmarks build
/// their networks by [`arch::Layout::for_device`] whatever it says.
pub const CHANNELS_LAST_ENV: &str = "DNACTX_CHANNELS_LAST";

/// The layout of a scoring network on `device`: [`arch::Layout::for_device`] unless
/// [`CHANNELS_LAST_ENV`] says otherwise.
fn scoring_layout(device: Device) -> arch::Layout {
    match env_switch(CHANNELS_LAST_ENV) {
        Some(true) => arch::Layout::ChannelsLast,
        Some(false) => arch::Layout::ChannelsFirst,
        None => arch::Layout::for_device(device),
    }
}

/// The weights file of a model folder, which a finished training leaves.
fn weights_file(folder: &Path) -> Result<std::path::PathBuf> {
    let weights = folder.join(folder::WEIGHTS);
    if !weights.is_file() {
        return Err(Error::invalid(
            &weights,
            "the weights file is missing: was training finished?",
        ));
    }
    Ok(weights)
}

impl Predictor for NeuralModel {
    fn flank(&self) -> usize {
        self.config.field
    }

    fn describe(&self) -> String {
        let t = self.config.train.target;
        format!(
            "{} model{}, field {} ({} parameters)",
            self.config.model.name(),
            if t.is_base() {
                String::new()
            } else {
                format!(" of the {t}")
            },
            self.config.field,
            self.config.parameters
        )
    }

    fn target(&self) -> Target {
        self.config.train.target
    }

    /// 32 batches per call, so that preparing the next batch overlaps all but the first of
    /// them with the device's work.
    fn chunking(&self) -> (usize, usize) {
        (self.chunk, 32 * self.batch)
    }

    /// Runs the network on groups of chunks of at most `batch x (chunk + 2 field)` bases, the
    /// size of a training batch, so memory stays bounded whatever the caller passes (e.g.
    /// thousands of one-position windows from score-variants). A two-class model's class
    /// probabilities are split evenly between each class's bases.
    fn predict_chunks(&self, chunks: &[Vec<u8>]) -> Result<Vec<Vec<Probs>>> {
        let target = self.config.train.target;
        let c = target.classes();
        Ok(self
            .predict_classes(chunks)?
            .into_iter()
            .map(|v| v.chunks_exact(c).map(|q| target.spread(q)).collect())
            .collect())
    }

    /// Both strands in one pass on the device, for a base model whose prior (if any) is
    /// strand-symmetric and whose predictions do not depend on where a row ends (not the
    /// LSTM: a short chunk's row flipped on the device would put its reverse complement at
    /// the row's end, moving its blocks; it is scored as chunks of its own instead).
    fn predict_chunks_both(&self, chunks: &[Vec<u8>]) -> Option<Result<Vec<Vec<Probs>>>> {
        let symmetric = self.prior.as_ref().is_none_or(Prior::strand_symmetric);
        if !self.config.train.target.is_base() || !symmetric || self.row_period().is_some() {
            return None;
        }
        Some(self.predict_timed(chunks, true).map(|out| {
            out.into_iter()
                .map(|v| {
                    v.chunks_exact(4)
                        .map(|q| [q[0], q[1], q[2], q[3]])
                        .collect()
                })
                .collect()
        }))
    }

    fn data_wait(&self) -> Option<(f64, f64)> {
        let busy = self.busy_ns.load(Ordering::Relaxed) as f64 * 1e-9;
        let wait = self.wait_ns.load(Ordering::Relaxed) as f64 * 1e-9;
        (busy > 0.0).then_some((busy, wait))
    }

    fn profile(&self) -> Option<String> {
        let s = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 * 1e-9;
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        (s(&self.busy_ns) > 0.0).then(|| {
            format!(
                "{} forward passes on the device {:.2} s ({:.1}% of the positions they ran \
                 predicted, the rest padding and flanks), preparing inputs {:.2} s (on \
                 another thread)",
                n(&self.passes),
                s(&self.device_ns),
                100.0 * n(&self.used) as f64 / n(&self.ran).max(1) as f64,
                s(&self.prepare_ns)
            )
        })
    }
}

impl NeuralModel {
    /// Pads every group of chunks to one shape (the training batch's), or not. On by default
    /// on CUDA, where cuDNN's benchmark mode then tunes its kernels once rather than for each
    /// new shape; the predictions are the same either way.
    pub fn with_fixed_shapes(mut self, on: bool) -> NeuralModel {
        self.fixed_shapes = on;
        self
    }

    /// The probabilities of the network's classes (`target().classes()` per position, the
    /// positions of each chunk in order) at the central positions of `chunks`, padded as
    /// for [`Predictor::predict_chunks`].
    pub fn predict_classes(&self, chunks: &[Vec<u8>]) -> Result<Vec<Vec<f32>>> {
        self.predict_timed(chunks, false)
    }

    /// [`NeuralModel::predict_classes`], or with `both` the mean of the forward strand's and
    /// the reverse complement's (a base model with a strand-symmetric prior), counting the
    /// time spent and the time waiting for prepared inputs.
    fn predict_timed(&self, chunks: &[Vec<u8>], both: bool) -> Result<Vec<Vec<f32>>> {
        let started = Instant::now();
        let out = self.predict_groups(chunks, both);
        self.busy_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }

    /// `f`, its time counted as waiting for prepared inputs.
    fn waiting<T>(&self, f: impl FnOnce() -> T) -> T {
        let asked = Instant::now();
        let out = f();
        self.wait_ns
            .fetch_add(asked.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }

    /// The predictions of `chunks`, group by group; with two groups or more, the next one is
    /// prepared on a thread of its own while the device runs this one.
    fn predict_groups(&self, chunks: &[Vec<u8>], both: bool) -> Result<Vec<Vec<f32>>> {
        let groups = self.layouts(chunks);
        let mut out = Vec::with_capacity(chunks.len());
        if groups.len() < 2 {
            for (g, layout) in &groups {
                let prepared = self.waiting(|| self.prepare_group(g, layout));
                out.extend(self.run_group(prepared, g, layout, both)?);
            }
            return Ok(out);
        }
        // the next group is prepared while the device runs this one
        std::thread::scope(|scope| {
            let (tx, rx) = sync_channel(1);
            let todo = &groups;
            scope.spawn(move || {
                for (g, layout) in todo {
                    if tx.send(self.prepare_group(g, layout)).is_err() {
                        break;
                    }
                }
            });
            for (g, layout) in &groups {
                let prepared = self.waiting(|| rx.recv().expect("the preparing thread stopped"));
                out.extend(self.run_group(prepared, g, layout, both)?);
            }
            Ok(out)
        })
    }

    /// One forward pass over a prepared group of `chunks`: per chunk, the class
    /// probabilities of its central positions (C per position); with `both`, averaged with
    /// the reverse complement's, made on the device from the same inputs.
    fn run_group(
        &self,
        prepared: Prepared,
        chunks: &[Vec<u8>],
        layout: &Layout,
        both: bool,
    ) -> Result<Vec<Vec<f32>>> {
        if chunks.is_empty() {
            return Ok(Vec::new());
        }
        let field = self.config.field;
        let started = Instant::now();
        let (input, prior) = self.on_device(prepared);
        let span = input.size()[1] - 2 * field as i64;
        let central: usize = chunks.iter().map(|c| c.len() - 2 * field).sum();
        // both strands: one pass of twice the rows on CUDA, two passes on the CPU
        let strands = if both { 2 } else { 1 };
        let passes = if both && !self.device.is_cuda() { 2 } else { 1 };
        self.passes.fetch_add(passes, Ordering::Relaxed);
        self.ran
            .fetch_add(strands * input.numel() as u64, Ordering::Relaxed);
        self.used
            .fetch_add(strands * central as u64, Ordering::Relaxed);
        let guard = self
            .net
            .lock()
            .map_err(|_| Error::Internal("the model lock was poisoned".into()))?;
        let pass = |input: &Tensor, prior: Option<&Tensor>| {
            autocast(self.device, self.bf16, || {
                guard.1.forward_span(input, prior, field as i64, span)
            })
            .softmax(-1, Kind::Float)
        };
        let probs = tch::no_grad(|| {
            let p = if both {
                self.both_strands(pass, &input, prior.as_ref())
            } else {
                pass(&input, prior.as_ref())
            };
            p.narrow(0, 0, layout.rows as i64)
        })
        .to_device(Device::Cpu)
        .contiguous();
        self.device_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        drop(guard);
        self.per_chunk(&probs, chunks, layout, span as usize)
    }

    /// The probabilities of both strands, averaged: one pass of both on CUDA (larger
    /// products); two on the CPU, whose caches hold one strand's activations better.
    fn both_strands(
        &self,
        pass: impl Fn(&Tensor, Option<&Tensor>) -> Tensor,
        input: &Tensor,
        prior: Option<&Tensor>,
    ) -> Tensor {
        let rc_input = revcomp_on_device(input);
        let rc_prior = prior.map(revcomp_prior);
        let (fwd, rc) = if self.device.is_cuda() {
            let rows = input.size()[0];
            let x = Tensor::cat(&[input, &rc_input], 0);
            let p = prior.zip(rc_prior.as_ref());
            let p = p.map(|(a, b)| Tensor::cat(&[a, b], 0));
            let out = pass(&x, p.as_ref());
            (out.narrow(0, 0, rows), out.narrow(0, rows, rows))
        } else {
            (pass(input, prior), pass(&rc_input, rc_prior.as_ref()))
        };
        // the reverse strand's positions and bases back in forward order
        (fwd + rc.flip([1, 2])) * 0.5
    }
}

/// The network of `config` (with `channels` prior channels) on `device`, its weights read
/// from `weights`.
fn load_net(
    weights: &Path,
    config: &FolderConfig,
    channels: usize,
    device: Device,
) -> Result<(nn::VarStore, Box<dyn ContextNet>)> {
    let mut vs = nn::VarStore::new(device);
    let layout = scoring_layout(device);
    let net = build_layout(
        &vs.root(),
        &config.model,
        channels,
        config.train.target,
        layout,
    )?;
    vs.load(weights).map_err(|e| {
        Error::invalid(
            weights,
            format!("cannot load the weights (corrupt or from another model?): {e}"),
        )
    })?;
    Ok((vs, net))
}

/// The reverse complement of N x L model codes on their device: A<->T, C<->G, unknown kept,
/// positions reversed.
fn revcomp_on_device(codes: &Tensor) -> Tensor {
    let known = codes.lt(UNKNOWN_CODE);
    (codes.neg() + 3).where_self(&known, codes).flip([1])
}

/// A strand-symmetric prior (N x L x P) of the reverse complement: positions reversed, the
/// four log-probabilities complemented, any depth channels as they are.
fn revcomp_prior(prior: &Tensor) -> Tensor {
    let p = prior.flip([1]);
    let c = p.size()[2];
    let bases = p.narrow(2, 0, 4).flip([2]);
    if c == 4 {
        bases
    } else {
        Tensor::cat(&[bases, p.narrow(2, 4, c - 4)], 2)
    }
}
