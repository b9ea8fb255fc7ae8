//! Where the training loop's batches come from: made on the training thread, or ahead by
//! loader threads through bounded queues; CPU tensors, pinned for copies to CUDA.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use tch::{Device, Tensor};

use super::config::TrainConfig;
use super::data::{Batch, Data, sample_batch};
use super::prior;

/// A batch as CPU tensors (pinned for a CUDA device), as loader threads hand it over.
pub(super) struct Ready {
    pub(super) input: Tensor,
    pub(super) target: Tensor,
    pub(super) weight: Tensor,
    pub(super) prior: Option<Tensor>,
    pub(super) targets: u64,
}

/// The tensors of `batch`, pinned for copies to `pin` (a CUDA device) when given.
pub(super) fn prepare(batch: &Batch, chunk: usize, field: usize, pin: Option<Device>) -> Ready {
    let n = batch.n as i64;
    let width = chunk + 2 * field;
    let host = |t: Tensor| match pin {
        Some(_) => super::precision::pinned(&t),
        None => t,
    };
    Ready {
        input: host(Tensor::from_slice(&batch.input).view([n, width as i64])),
        target: host(Tensor::from_slice(&batch.target).view([n, chunk as i64])),
        weight: host(Tensor::from_slice(&batch.weight).view([n, chunk as i64])),
        prior: (!batch.prior.is_empty()).then(|| {
            let channels = batch.prior.len() / (batch.n * width);
            host(prior::to_tensor(
                &batch.prior,
                batch.n,
                width,
                channels,
                Device::Cpu,
            ))
        }),
        targets: batch.targets(),
    }
}

/// Where the loop's batches come from.
pub(super) enum Batches<'a> {
    /// Made on the training thread when asked for.
    Inline {
        data: &'a Data,
        field: usize,
        pin: Option<Device>,
    },
    /// Made ahead by loader threads: loader j makes steps first + j, first + j + loaders, ...
    Queued {
        queues: Vec<Receiver<Ready>>,
        first: usize,
    },
}

impl Batches<'_> {
    pub(super) fn get(&self, cfg: &TrainConfig, step: usize) -> Ready {
        match self {
            Batches::Inline { data, field, pin } => prepare(
                &sample_batch(data, cfg, *field, step),
                cfg.chunk,
                *field,
                *pin,
            ),
            Batches::Queued { queues, first } => queues[(step - first) % queues.len()]
                .recv()
                .expect("a loader thread stopped"),
        }
    }
}

/// `train.prefetch` unset: loader threads on CUDA, and on the CPU only where libtorch's
/// threads leave a core free for them.
fn auto_prefetch(device: Device) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if device.is_cuda() || (tch::get_num_threads().max(1) as usize) < cores {
        4
    } else {
        0
    }
}

impl<'a> Batches<'a> {
    /// The batches of the steps from `first` on, as `train.prefetch` asks: loader threads
    /// spawned in `scope` (they end when the returned value is dropped), or none.
    pub(super) fn start<'s>(
        scope: &'s std::thread::Scope<'s, '_>,
        data: &'a Data,
        cfg: &'a TrainConfig,
        field: usize,
        device: Device,
        first: usize,
    ) -> Batches<'a>
    where
        'a: 's,
    {
        let pin = device.is_cuda().then_some(device);
        let prefetch = cfg.prefetch.unwrap_or_else(|| auto_prefetch(device));
        if prefetch == 0 {
            return Batches::Inline { data, field, pin };
        }
        let loaders = cfg.loaders.max(1);
        let depth = prefetch.div_ceil(loaders);
        let queues = (0..loaders)
            .map(|j| {
                let (tx, rx) = sync_channel(depth);
                scope.spawn(move || load(data, cfg, (field, pin), (first + j, loaders), tx));
                rx
            })
            .collect();
        Batches::Queued { queues, first }
    }
}

/// A loader thread: the batches of steps `step`, `step + every`, ... prepared (pinned on
/// `pin`) into `tx`, until the trainer hangs up.
fn load(
    data: &Data,
    cfg: &TrainConfig,
    (field, pin): (usize, Option<Device>),
    (mut step, every): (usize, usize),
    tx: SyncSender<Ready>,
) {
    loop {
        let batch = sample_batch(data, cfg, field, step);
        if tx.send(prepare(&batch, cfg.chunk, field, pin)).is_err() {
            break;
        }
        step += every;
    }
}
