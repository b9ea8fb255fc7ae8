//! Training steps and scoring passes of the presets, before and after the channels-last
//! network and the fused optimizer, side by side in one process (bench/gpu.sh on a GPU,
//! bench/nn.sh on the CPU):
//!
//! - `before`: the channels-first network of before ([`dnactx::nn::arch::build_reference`]),
//!   AdamW as a loop of operations per variable with the gradient norm read back, the loss read
//!   back at every step; scoring runs the head over every position and copies them all back,
//!   one strand per pass.
//! - `after`: the channels-last network, the fused AdamW step, the loss read back every 50
//!   steps; scoring runs the head on the central positions, both strands in one pass.
//!
//! Random bases and a random prior (4 log-probabilities) stand in for data: the inputs come
//! from pinned host memory each step, as the loaders hand them over. FLOP/s count the matrix
//! products of every position a step computes (a chunk's field of context on both sides
//! included), forward and backward (x3). With `--profile DIR`, after the tables, each preset and
//! variant (and precision: the first, and every one for gpu-large) at the preset's own shape
//! steps three times to warm up and twice
//! recorded by libtorch's profiler into DIR/{preset}-{precision}-{variant}-{chunk}x{batch}.tsv
//! (bench/kernels.py sums them by kernel kind).
//!
//!   cargo run --release --features torch --example step_bench -- [--device cuda] \
//!       [--presets gpu-large,seed-cnn] [--precisions bf16,tf32] [--seconds 3] \
//!       [--shapes 2048x32,4096x16] [--repeats 1] [--profile DIR] [--score] [--no-train] \
//!       [--channels-last] [--channels N] [--graph]
//!
//! `--channels-last` runs the `after` network in CUDA's layout on any device, so that on the
//! CPU `--profile` lists the operators a CUDA step dispatches (bench/ops.py counts them).
//! `--channels N` narrows a CNN preset (seed-cnn, gpu-large) to N channels, and `--shapes` then
//! gives every preset's training shapes: at a small shape on the CPU the step's time is the
//! host's work of dispatching it, which on a GPU is what holds a small network's step
//! (bench/host.sh).
//! `--graph` also times the `after` step captured once as a CUDA graph and replayed (a build
//! with `DNACTX_CUDA_GRAPH=1`, bench/gpu-carry.sh; elsewhere its table says why not).

use std::path::PathBuf;
use std::time::Instant;

use clap::ValueEnum;
use dnactx::nn::adamw::AdamW;
use dnactx::nn::arch::{ContextNet, Layout, build, build_layout, build_reference};
use dnactx::nn::flops::forward_per_position;
use dnactx::nn::precision::{Dtype, autocast, pinned};
use dnactx::nn::presets::find;
use dnactx::nn::shim::{CudaGraph, Profiler};
use tch::{Device, Kind, Tensor, nn};

/// gpu-large's chunk and batch on a CPU, where a step of its own (4,096 x 16) takes minutes.
const CPU_GPU_LARGE: (usize, usize) = (1024, 1);

/// The dense bf16 peak of an H100/H200 SXM (NVIDIA's datasheet), the reference for shares.
const DENSE_BF16_PEAK: f64 = 989e12;

struct Args {
    device: Device,
    presets: Vec<String>,
    precisions: Vec<Dtype>,
    seconds: f64,
    shapes: Vec<(usize, usize)>,
    repeats: usize,
    profile: Option<PathBuf>,
    score: bool,
    train: bool,
    graph: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        device: Device::Cpu,
        presets: vec!["gpu-large".into(), "seed-cnn".into()],
        precisions: vec![Dtype::Bf16, Dtype::Tf32],
        seconds: 3.0,
        shapes: Vec::new(),
        repeats: 1,
        profile: None,
        score: false,
        train: true,
        graph: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--device" => a.device = dnactx::nn::device::resolve(v().parse().unwrap()).unwrap(),
            "--presets" => a.presets = v().split(',').map(String::from).collect(),
            "--precisions" => {
                a.precisions = v()
                    .split(',')
                    .map(|p| Dtype::from_str(p, true).unwrap())
                    .collect()
            }
            "--seconds" => a.seconds = v().parse().unwrap(),
            "--shapes" => {
                a.shapes = v()
                    .split(',')
                    .map(|s| {
                        let (c, b) = s.split_once('x').expect("shapes: CHUNKxBATCH");
                        (c.parse().unwrap(), b.parse().unwrap())
                    })
                    .collect()
            }
            "--repeats" => a.repeats = v().parse().unwrap(),
            "--profile" => a.profile = Some(PathBuf::from(v())),
            "--score" => a.score = true,
            "--no-train" => a.train = false,
            "--graph" => a.graph = true,
            // the CUDA path's network on the CPU: its operators counted by --profile
            "--channels-last" => CHANNELS_LAST.store(true, std::sync::atomic::Ordering::Relaxed),
            // a CNN preset narrowed, so that on the CPU a small step times the host's work
            "--channels" => {
                CHANNELS.store(v().parse().unwrap(), std::sync::atomic::Ordering::Relaxed)
            }
            _ => panic!("unknown argument {k}"),
        }
    }
    a
}

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// A batch as the loaders hand it over: host tensors, pinned for CUDA.
struct HostBatch {
    input: Tensor,
    target: Tensor,
    weight: Tensor,
    prior: Tensor,
}

fn host_batches(n: usize, chunk: usize, field: usize, device: Device) -> Vec<HostBatch> {
    let width = (chunk + 2 * field) as i64;
    let (n, chunk) = (n as i64, chunk as i64);
    let host = |t: Tensor| if device.is_cuda() { pinned(&t) } else { t };
    (0..4)
        .map(|_| {
            let input = Tensor::randint(4, [n, width], (Kind::Int64, Device::Cpu));
            let target = input.narrow(1, field as i64, chunk).contiguous();
            let prior = (Tensor::rand([n, width, 4], (Kind::Float, Device::Cpu)) + 0.1)
                .log_softmax(-1, Kind::Float);
            HostBatch {
                input: host(input),
                target: host(target),
                weight: host(Tensor::ones([n, chunk], (Kind::Float, Device::Cpu))),
                prior: host(prior),
            }
        })
        .collect()
}

fn on(t: &Tensor, device: Device) -> Tensor {
    t.to_device_(device, t.kind(), true, false)
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Before,
    After,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Before => "before",
            Variant::After => "after",
        }
    }
}

struct Net {
    vs: nn::VarStore,
    net: Box<dyn ContextNet>,
}

/// `--channels-last`: the `after` network channels-last whatever the device (CUDA's layout).
static CHANNELS_LAST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--channels N`: a CNN preset's channels (0: the preset's own).
static CHANNELS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The model `preset` describes, its channels narrowed by `--channels` (a CNN's).
fn preset_model(preset: &str) -> dnactx::nn::ModelConfig {
    let mut model = find(preset, None).unwrap().run_config().model;
    let channels = CHANNELS.load(std::sync::atomic::Ordering::Relaxed);
    if let (dnactx::nn::ModelConfig::Cnn(c), 1..) = (&mut model, channels) {
        c.channels = channels;
    }
    model
}

fn make_net(cfg: &dnactx::nn::ModelConfig, variant: Variant, device: Device) -> Net {
    tch::manual_seed(1);
    let vs = nn::VarStore::new(device);
    let target = Default::default();
    let net = match variant {
        Variant::Before => build_reference(&vs.root(), cfg, 4, target),
        Variant::After if CHANNELS_LAST.load(std::sync::atomic::Ordering::Relaxed) => {
            build_layout(&vs.root(), cfg, 4, target, Layout::ChannelsLast)
        }
        Variant::After => build(&vs.root(), cfg, 4, target),
    }
    .unwrap();
    Net { vs, net }
}

/// One preset's training, ready to step: the network, its optimizer and host batches.
struct Run {
    vs: nn::VarStore,
    net: Box<dyn ContextNet>,
    opt: AdamW,
    batches: Vec<HostBatch>,
    pending: Tensor,
    pending_steps: usize,
    variant: Variant,
    device: Device,
    bf16: bool,
    chunk: usize,
    field: usize,
    /// `--graph`: the graph, its inputs, and the steps it has run (3 warm-ups, then the
    /// capture).
    graph: Option<(CudaGraph, [Tensor; 4], usize)>,
}

impl Run {
    fn new(
        device: Device,
        preset: &str,
        precision: Dtype,
        variant: Variant,
        (chunk, batch): (usize, usize),
    ) -> Run {
        precision.apply(device);
        let Net { vs, net } = make_net(&preset_model(preset), variant, device);
        let field = net.field();
        Run {
            opt: AdamW::new(&vs, 0.01),
            vs,
            net,
            batches: host_batches(batch, chunk, field, device),
            pending: Tensor::zeros([], (Kind::Double, device)),
            pending_steps: 0,
            variant,
            device,
            bf16: precision.bf16_on(device),
            chunk,
            field,
            graph: None,
        }
    }

    /// One training step on the i-th host batch (in turn).
    fn step(&mut self, i: usize) {
        let device = self.device;
        let b = &self.batches[i % self.batches.len()];
        let inputs = [&b.input, &b.target, &b.weight, &b.prior].map(|t| on(t, device));
        let loss = self.forward_backward(&inputs);
        match self.variant {
            Variant::Before => {
                self.opt.step_per_tensor(&self.vs, 1e-4, 1.0);
                let _ = loss.double_value(&[]);
            }
            Variant::After => {
                self.after_update(&loss);
                self.read_pending();
            }
        }
    }

    /// The loss of `inputs` (input, target, weight, prior), its gradients computed.
    fn forward_backward(&self, inputs: &[Tensor; 4]) -> Tensor {
        let [input, target, weight, prior] = inputs;
        let (field, chunk) = (self.field as i64, self.chunk as i64);
        let logp = autocast(self.device, self.bf16, || {
            self.net.forward_span(input, Some(prior), field, chunk)
        })
        .log_softmax(-1, Kind::Float);
        let picked = logp.gather(2, &target.unsqueeze(-1), false).squeeze_dim(-1);
        let loss = -(picked * weight).sum(Kind::Float) / weight.sum(Kind::Float);
        loss.backward();
        loss
    }

    /// The fused AdamW step, and the loss added up on the device.
    fn after_update(&mut self, loss: &Tensor) {
        self.opt.step(1e-4, 1.0).unwrap();
        tch::no_grad(|| {
            let _ = self.pending.g_add_(&loss.detach().to_kind(Kind::Double));
        });
    }

    /// The loss read back every 50 steps, as train-model reports.
    fn read_pending(&mut self) {
        self.pending_steps += 1;
        if self.pending_steps == 50 {
            let _ = self.pending.double_value(&[]);
            self.pending_steps = 0;
        }
    }

    /// The `after` step as a CUDA graph (`--graph`): the batch copied into the graph's
    /// inputs, then three warm-up steps on its side stream, the capture, and replays.
    fn graph_step(&mut self, i: usize) -> dnactx::Result<()> {
        let device = self.device;
        let b = &self.batches[i % self.batches.len()];
        let fresh = [&b.input, &b.target, &b.weight, &b.prior].map(|t| on(t, device));
        match &mut self.graph {
            None => {
                let g = CudaGraph::new(device_index(device))?;
                self.graph = Some((g, fresh, 0));
            }
            Some((_, statics, _)) => {
                for (s, f) in statics.iter_mut().zip(&fresh) {
                    s.copy_(f);
                }
            }
        }
        let (mut g, statics, done) = self.graph.take().expect("set above");
        let mut step = || {
            let loss = self.forward_backward(&statics);
            self.after_update(&loss);
        };
        let result = match done {
            0..3 => g.on_side_stream(&mut step),
            3 => g.capture(&mut step).and_then(|()| g.replay()),
            _ => g.replay(),
        };
        self.graph = Some((g, statics, done + 1));
        self.read_pending();
        result
    }
}

fn device_index(device: Device) -> usize {
    match device {
        Device::Cuda(i) => i,
        _ => 0,
    }
}

/// Targets per second of training steps.
fn train_rate(
    a: &Args,
    preset: &str,
    precision: Dtype,
    variant: Variant,
    (chunk, batch): (usize, usize),
) -> f64 {
    let mut run = Run::new(a.device, preset, precision, variant, (chunk, batch));
    let rate = timed(a, 3, (batch * chunk) as f64, |i| {
        run.step(i);
        Ok(())
    });
    rate.expect("a plain step does not fail")
}

/// Calls of `step` per second for at least `--seconds` (and two calls), after `warm_up`
/// untimed ones, times `per_step`.
fn timed(
    a: &Args,
    warm_up: usize,
    per_step: f64,
    mut step: impl FnMut(usize) -> dnactx::Result<()>,
) -> dnactx::Result<f64> {
    for i in 0..warm_up {
        step(i)?;
    }
    sync(a.device);
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < a.seconds || n < 2 {
        step(n)?;
        n += 1;
        if n % 10 == 0 {
            sync(a.device);
        }
    }
    sync(a.device);
    Ok(n as f64 * per_step / t.elapsed().as_secs_f64())
}

/// Two training steps (after three to warm up) recorded by libtorch's profiler into
/// `dir/{preset}-{precision}-{variant}-{chunk}x{batch}.tsv`; the device kernels recorded.
fn profile_steps(
    device: Device,
    dir: &std::path::Path,
    preset: &str,
    precision: Dtype,
    variant: Variant,
    (chunk, batch): (usize, usize),
) -> dnactx::Result<u64> {
    let mut run = Run::new(device, preset, precision, variant, (chunk, batch));
    for i in 0..3 {
        run.step(i);
    }
    sync(device);
    std::fs::create_dir_all(dir).map_err(|e| dnactx::Error::io(dir, e))?;
    let p = Profiler::start(device.is_cuda())?;
    run.step(3);
    run.step(4);
    sync(device);
    let path = dir.join(format!(
        "{preset}-{}-{}-{chunk}x{batch}.tsv",
        precision.name_on(device),
        variant.name()
    ));
    p.stop(&path)
}

/// Bases per second per strand (strand-bases) of scoring passes (no gradients), batches of `batch` chunks:
/// before, one strand per pass with every position's probabilities copied back; after, both
/// strands in one pass (the reverse complement made on the device) with the central ones.
/// As NeuralModel: both strands in one pass on CUDA, two on the CPU, and two for a network
/// whose predictions depend on where a row ends (the LSTM: its reverse stream's blocks start
/// at the row's end, so NeuralModel scores the reverse strand as chunks of their own).
fn score_rate(
    a: &Args,
    preset: &str,
    precision: Dtype,
    variant: Variant,
    (chunk, batch): (usize, usize),
) -> f64 {
    let device = a.device;
    precision.apply(device);
    let bf16 = precision.bf16_on(device);
    let Net { vs: _vs, net } = make_net(&preset_model(preset), variant, device);
    let field = net.field() as i64;
    let one_pass = device.is_cuda() && net.min_field() == net.field();
    let batches = host_batches(batch, chunk, field as usize, device);
    let n = batch as i64;
    let pass = |i: usize| {
        let b = &batches[i % batches.len()];
        let (input, prior) = (on(&b.input, device), on(&b.prior, device));
        let probs = tch::no_grad(|| match variant {
            Variant::Before => autocast(device, bf16, || net.forward(&input, Some(&prior)))
                .softmax(-1, Kind::Float),
            Variant::After => {
                let rc_input = (input.neg() + 3).flip([1]);
                let rc_prior = prior.flip([1, 2]);
                let run = |x: &Tensor, p: &Tensor| {
                    autocast(device, bf16, || {
                        net.forward_span(x, Some(p), field, chunk as i64)
                    })
                    .softmax(-1, Kind::Float)
                };
                let (fwd, rc) = if one_pass {
                    let x = Tensor::cat(&[&input, &rc_input], 0);
                    let p = Tensor::cat(&[&prior, &rc_prior], 0);
                    let out = run(&x, &p);
                    (out.narrow(0, 0, n), out.narrow(0, n, n))
                } else {
                    (run(&input, &prior), run(&rc_input, &rc_prior))
                };
                (fwd + rc.flip([1, 2])) * 0.5
            }
        });
        let _ = probs.to_device(Device::Cpu);
    };
    pass(0);
    pass(1);
    let t = Instant::now();
    let mut k = 0;
    while t.elapsed().as_secs_f64() < a.seconds || k < 2 {
        pass(k);
        k += 1;
    }
    // strand-bases: each pass after scores both strands of its bases
    let strands = if variant == Variant::After { 2 } else { 1 };
    (k * batch * chunk * strands) as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let a = parse_args();
    println!(
        "Device: {}; each figure measured for at least {} s{}.\n",
        dnactx::nn::device::device_name(a.device),
        a.seconds,
        if a.repeats > 1 {
            format!(", best of {} alternating runs", a.repeats)
        } else {
            String::new()
        }
    );
    if a.train {
        train_table(&a);
    }
    if a.graph {
        graph_table(&a);
    }
    if a.score {
        score_table(&a);
    }
    // last, so that the tables are out whatever the profiler does
    if let Some(dir) = &a.profile {
        profile_all(&a, dir);
    }
}

fn train_table(a: &Args) {
    println!("### Training steps\n");
    println!(
        "| preset | precision | chunk x batch | before: targets/s | after: targets/s | speed-up | after: TFLOP/s executed | share of 989 TFLOP/s (dense bf16) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for preset in &a.presets {
        let cfg = find(preset, None).unwrap().run_config();
        let field = {
            let vs = nn::VarStore::new(Device::Cpu);
            build(&vs.root(), &preset_model(preset), 4, Default::default())
                .unwrap()
                .field()
        };
        let flops = forward_per_position(&preset_model(preset));
        let mut shapes = vec![(cfg.train.chunk, cfg.train.batch)];
        if preset == "gpu-large" {
            let own = shapes[0];
            shapes.extend(a.shapes.iter().copied().filter(|s| *s != own));
        }
        if !a.device.is_cuda() && preset == "gpu-large" {
            shapes = vec![CPU_GPU_LARGE];
        }
        if CHANNELS.load(std::sync::atomic::Ordering::Relaxed) > 0 && !a.shapes.is_empty() {
            // narrowed (bench/host.sh): every preset at the shapes asked for
            shapes = a.shapes.clone();
        }
        for (pi, &precision) in a.precisions.iter().enumerate() {
            // the other shapes in the first precision only
            let shapes = if pi == 0 { &shapes[..] } else { &shapes[..1] };
            for (si, &shape) in shapes.iter().enumerate() {
                let (chunk, batch) = shape;
                // the other shapes are measured after only
                let variants: &[Variant] = if si == 0 {
                    &[Variant::Before, Variant::After]
                } else {
                    &[Variant::After]
                };
                let mut best = [0.0f64; 2];
                for _ in 0..a.repeats.max(1) {
                    for &v in variants {
                        let rate = train_rate(a, preset, precision, v, shape);
                        let slot = (v == Variant::After) as usize;
                        best[slot] = best[slot].max(rate);
                    }
                }
                let positions = (chunk + 2 * field) as f64 / chunk as f64;
                let tflops = best[1] * positions * flops * 3.0 / 1e12;
                let before = if si == 0 {
                    format!("{:.0}", best[0])
                } else {
                    "-".into()
                };
                let speedup = if si == 0 {
                    format!("{:.2}x", best[1] / best[0])
                } else {
                    "-".into()
                };
                println!(
                    "| {preset} | {} | {chunk} x {batch} | {before} | {:.0} | {speedup} | {tflops:.1} | {:.1}% |",
                    precision.name_on(a.device),
                    best[1],
                    100.0 * tflops * 1e12 / DENSE_BF16_PEAK
                );
            }
        }
    }
}

/// `--graph`: each preset's `after` step at its own shape, as it runs and as a CUDA graph,
/// alternating, the best of `--repeats` runs each.
fn graph_table(a: &Args) {
    println!("\n### The after step as a CUDA graph (`--graph`)\n");
    println!(
        "| preset | precision | chunk x batch | after: targets/s | graph: targets/s | graph / after |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for preset in &a.presets {
        let cfg = find(preset, None).unwrap().run_config();
        let shape = (cfg.train.chunk, cfg.train.batch);
        for &precision in &a.precisions {
            let mut best = [0.0f64; 2];
            for _ in 0..a.repeats.max(1) {
                best[0] = best[0].max(train_rate(a, preset, precision, Variant::After, shape));
                match graph_rate(a, preset, precision, shape) {
                    Ok(r) => best[1] = best[1].max(r),
                    Err(e) => {
                        println!(
                            "| {preset} | {} | {} x {} | {:.0} | failed: {e} | - |",
                            precision.name_on(a.device),
                            shape.0,
                            shape.1,
                            best[0]
                        );
                        return;
                    }
                }
            }
            println!(
                "| {preset} | {} | {} x {} | {:.0} | {:.0} | {:.2}x |",
                precision.name_on(a.device),
                shape.0,
                shape.1,
                best[0],
                best[1],
                best[1] / best[0]
            );
        }
    }
}

/// Targets per second of the `after` step replayed as a CUDA graph (after 3 warm-up steps
/// and the capture).
fn graph_rate(
    a: &Args,
    preset: &str,
    precision: Dtype,
    (chunk, batch): (usize, usize),
) -> dnactx::Result<f64> {
    let mut run = Run::new(a.device, preset, precision, Variant::After, (chunk, batch));
    timed(a, 5, (batch * chunk) as f64, |i| run.graph_step(i))
}

fn profile_all(a: &Args, dir: &std::path::Path) {
    for preset in &a.presets {
        let cfg = find(preset, None).unwrap().run_config();
        let shape = if a.device.is_cuda() || preset != "gpu-large" {
            (cfg.train.chunk, cfg.train.batch)
        } else {
            CPU_GPU_LARGE
        };
        // every preset in the first precision, gpu-large in the others too
        for (pi, &precision) in a.precisions.iter().enumerate() {
            if pi > 0 && preset != "gpu-large" {
                continue;
            }
            for v in [Variant::Before, Variant::After] {
                match profile_steps(a.device, dir, preset, precision, v, shape) {
                    Ok(k) => eprintln!(
                        "{preset} {} {}: {k} device kernels profiled",
                        precision.name_on(a.device),
                        v.name()
                    ),
                    Err(e) => eprintln!("{preset}: the profiler failed: {e}"),
                }
            }
        }
    }
}

fn score_table(a: &Args) {
    println!(
        "\n### Scoring passes (bases per second per strand; after: both strands, in one pass on CUDA, in two for the LSTM and on the CPU)\n"
    );
    println!(
        "| preset | precision | chunk x batch | before: one strand a pass | after: both strands | speed-up | 3.1 Gb, both strands (after) | after: TFLOP/s executed |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for preset in &a.presets {
        let cfg = find(preset, None).unwrap().run_config();
        let shape = if a.device.is_cuda() || preset != "gpu-large" {
            (cfg.train.chunk, cfg.train.batch)
        } else {
            CPU_GPU_LARGE
        };
        let field = {
            let vs = nn::VarStore::new(Device::Cpu);
            build(&vs.root(), &preset_model(preset), 4, Default::default())
                .unwrap()
                .field()
        };
        let flops = forward_per_position(&preset_model(preset));
        for &precision in &a.precisions {
            let mut best = [0.0f64; 2];
            for _ in 0..a.repeats.max(1) {
                for v in [Variant::Before, Variant::After] {
                    let r = score_rate(a, preset, precision, v, shape);
                    let slot = (v == Variant::After) as usize;
                    best[slot] = best[slot].max(r);
                }
            }
            let positions = (shape.0 + 2 * field) as f64 / shape.0 as f64;
            println!(
                "| {preset} | {} | {} x {} | {:.0} | {:.0} | {:.2}x | {:.2} h | {:.1} |",
                precision.name_on(a.device),
                shape.0,
                shape.1,
                best[0],
                best[1],
                best[1] / best[0],
                2.0 * 3.1e9 / best[1] / 3600.0,
                best[1] * positions * flops / 1e12
            );
        }
    }
}
