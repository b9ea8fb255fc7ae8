//! Throughput of the neural models on this machine (run by bench/nn.sh):
//! training targets per second in one pass per chunk against the seed's windowed form (one
//! target per window of 2F+1 bases), scoring bases per second, and FLOPs per base.
//!
//!   cargo run --release --features torch --example nn_bench -- [seconds per measurement]

use std::time::Instant;

use dnactx::nn::adamw::AdamW;
use dnactx::nn::arch::{ContextNet, build};
use dnactx::nn::config::*;
use dnactx::nn::flops::forward_per_position;
use tch::{Device, Kind, Tensor, nn};

fn random_codes(n: i64, len: i64) -> Tensor {
    Tensor::randint(4, [n, len], (Kind::Int64, Device::Cpu))
}

/// Targets per second of training steps: `batch` inputs of `len` bases, `targets` central
/// positions each.
fn train_rate(cfg: &ModelConfig, batch: i64, targets: i64, seconds: f64) -> f64 {
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(&vs.root(), cfg, 0, Default::default()).unwrap();
    let field = net.field() as i64;
    let len = targets + 2 * field;
    let mut opt = AdamW::new(&vs, 0.01);
    let step = |opt: &mut AdamW, net: &dyn ContextNet| {
        let x = random_codes(batch, len);
        let logp = net
            .forward(&x, None)
            .narrow(1, field, targets)
            .log_softmax(-1, Kind::Float);
        let y = x.narrow(1, field, targets);
        let loss = -logp.gather(2, &y.unsqueeze(-1), false).mean(Kind::Float);
        loss.backward();
        opt.step(1e-3, 1.0).unwrap();
    };
    step(&mut opt, net.as_ref());
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < seconds || n < 3 {
        step(&mut opt, net.as_ref());
        n += 1;
    }
    (n * batch * targets) as f64 / t.elapsed().as_secs_f64()
}

/// Bases per second of scoring (no gradients) in chunks of `chunk` targets.
fn score_rate(cfg: &ModelConfig, batch: i64, chunk: i64, seconds: f64) -> f64 {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(&vs.root(), cfg, 0, Default::default()).unwrap();
    let len = chunk + 2 * net.field() as i64;
    let x = random_codes(batch, len);
    let run = || {
        tch::no_grad(|| {
            net.forward(&x, None)
                .softmax(-1, Kind::Float)
                .sum(Kind::Float)
                .double_value(&[])
        })
    };
    run();
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < seconds || n < 3 {
        run();
        n += 1;
    }
    (n * batch * chunk) as f64 / t.elapsed().as_secs_f64()
}

fn params(cfg: &ModelConfig) -> (i64, usize) {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(&vs.root(), cfg, 0, Default::default()).unwrap();
    (dnactx::nn::parameter_count(&vs), net.field())
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    let threads = tch::get_num_threads();
    println!("Torch CPU threads: {threads}; each figure measured for at least {seconds} s.\n");

    println!("### Training: one pass per chunk against one target per window\n");
    println!(
        "| model | parameters | field | one-pass targets/s (16 x 1024) | windowed targets/s (512 windows) | speed-up |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let seed_cnn = ModelConfig::Cnn(CnnConfig::default());
    let seed_mlp = ModelConfig::Mlp(MlpConfig::default());
    for (name, cfg) in [
        ("cnn (seed size, flank 100)", &seed_cnn),
        ("mlp (seed size, flank 50)", &seed_mlp),
    ] {
        let (p, f) = params(cfg);
        let one = train_rate(cfg, 16, 1024, seconds);
        let win = train_rate(cfg, 512, 1, seconds);
        println!(
            "| {name} | {p} | {f} | {one:.0} | {win:.0} | {:.0}x |",
            one / win
        );
    }

    println!("\n### Scoring throughput and FLOPs\n");
    println!(
        "| model | parameters | field | bases/s (this CPU, 16 x 1024) | forward GFLOP per 1,000 bases | 3.1 Gb on one H100, both strands (projected) |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let configs = [
        ("mlp (seed)", seed_mlp.clone()),
        ("cnn (seed)", seed_cnn.clone()),
        ("lstm (seed)", ModelConfig::Lstm(LstmConfig::default())),
        (
            "transformer (seed size)",
            ModelConfig::Transformer(TransformerConfig::default()),
        ),
    ];
    for (name, cfg) in &configs {
        let (p, f) = params(cfg);
        let rate = score_rate(cfg, 16, 1024, seconds);
        let flops = forward_per_position(cfg) * (1024.0 + 2.0 * f as f64) / 1024.0;
        // H100 SXM: 495 TFLOP/s dense TF32; assume 25% of it is reached.
        let h100 = 0.25 * 495e12;
        let hours = 2.0 * 3.1e9 * flops / h100 / 3600.0;
        println!(
            "| {name} | {p} | {f} | {rate:.0} | {:.2} | {:.2} h |",
            flops * 1000.0 / 1e9,
            hours
        );
    }
}
