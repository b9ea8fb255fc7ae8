//! Neural models end to end (feature `torch`): training writes a self-describing folder,
//! a killed run resumes to the very weights of an uninterrupted one, score-genome reads
//! the folder, and bad input fails cleanly.
#![cfg(feature = "torch")]

mod common;
use common::*;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn train_bin() -> std::path::PathBuf {
    env!("CARGO_BIN_EXE_train-model").into()
}

fn train(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(train_bin())
        .args(args)
        .args(["-q", "-t", "2", "--device", "cpu"])
        .current_dir(dir)
        .output()
        .unwrap()
}

/// train-model's arguments for the yeast chromosome of [`setup`] with the config `yaml`.
fn yeast_config(yaml: &str) -> [&str; 6] {
    ["-g", "y.fa.gz", "--windows", "w.parquet", "--config", yaml]
}

/// The model folder `folder` in `d`, loaded to score on the CPU in float32.
fn load_cpu(d: &Path, folder: &str) -> dnactx::nn::NeuralModel {
    dnactx::nn::NeuralModel::load(
        &d.join(folder),
        tch::Device::Cpu,
        dnactx::nn::precision::Dtype::F32,
    )
    .unwrap()
}

/// A yeast chromosome, windows of 10 kb with a seeded fifth moved to valid.
fn setup() -> tempfile::TempDir {
    let dir = tempdir();
    let d = dir.path();
    for ext in ["", ".fai", ".gzi"] {
        std::fs::copy(
            format!("{}{ext}", yeast().display()),
            d.join(format!("y.fa.gz{ext}")),
        )
        .unwrap();
    }
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "y.fa.gz",
            "--train",
            "chrI",
            "--valid-fraction",
            "0.2",
            "--size",
            "10000",
            "-o",
            "w.parquet",
        ],
    );
    write(
        d,
        "cnn.yaml",
        "model:\n  architecture: cnn\n  channels: 16\n  kernel_sizes: [3, 3, 3]\n  dilations: [1, 2, 4]\n  residual: true\n  dense: [16]\ntrain:\n  chunk: 256\n  batch: 4\n  steps: 30\n  valid_every: 10\n  valid_chunks: 8\n  warmup: 5\n",
    );
    dir
}

/// [`setup`], and `cnn.yaml` trained on it into the model folder `m`.
fn setup_trained() -> tempfile::TempDir {
    let dir = setup();
    let out = train(dir.path(), &[&YEAST_CNN[..], &["-o", "m"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// A count table of the train split with `k`, as `k{k}.parquet` in `d`.
fn count_kmers(d: &Path, k: usize) {
    let k = k.to_string();
    let out = format!("k{k}.parquet");
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "y.fa.gz",
            "--windows",
            "w.parquet",
            "-k",
            &k,
            "-o",
            &out,
        ],
    );
}

/// An FM-index of the train split, as `y.fmd` in `d`.
fn index_train(d: &Path) {
    let args = [
        "-g",
        "y.fa.gz",
        "--windows",
        "w.parquet",
        "--split",
        "train",
    ];
    ok(d, "index-genome", &[&args[..], &["-o", "y.fmd"]].concat());
}

/// score-genome's arguments to score `r.bed` of `y.fa.gz` with `model` on the CPU into `out`.
fn score_args<'a>(model: &'a str, out: &'a str) -> [&'a str; 10] {
    [
        "-g",
        "y.fa.gz",
        "-m",
        model,
        "--regions",
        "r.bed",
        "--device",
        "cpu",
        "-o",
        out,
    ]
}

/// Scores `r.bed` in `d` with `model` on the CPU into `out`.
fn score_regions(d: &Path, model: &str, out: &str) {
    ok(d, "score-genome", &score_args(model, out));
}

/// The training flags of the tests on the yeast chromosome with `cnn.yaml` (see [`setup`]).
const YEAST_CNN: [&str; 6] = [
    "-g",
    "y.fa.gz",
    "--windows",
    "w.parquet",
    "--config",
    "cnn.yaml",
];

/// The encoded bases of the yeast chromosome in `d` (y.fa.gz).
fn yeast_codes(d: &Path) -> Vec<u8> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(d.join("y.fa.gz")).unwrap()),
        &mut text,
    )
    .unwrap();
    let seq: Vec<u8> = text
        .lines()
        .skip(1)
        .flat_map(|l| l.trim().bytes())
        .collect();
    dnactx::genome::EncodedSeq::from_ascii(&seq)
        .unwrap()
        .codes()
        .to_vec()
}

/// Bases `start..end` of the yeast chromosome in `d` with `flank` bases a side.
fn padded_chunk_of(d: &Path, start: usize, end: usize, flank: usize) -> Vec<u8> {
    dnactx::predict::padded_chunk(&yeast_codes(d), start, end, flank)
}

/// What `--rc-average` runs for a neural model, both strands in one pass with the reverse
/// complement made on the device (and its prior mirrored), gives what two passes averaged
/// give, within 1e-5: on chunks of several lengths (so of several paddings in one batch),
/// one at the chromosome's start (unknown bases beyond it); each no longer than a training
/// chunk with its field, so that the fixed shape pads them. With fixed shapes (CUDA's
/// default) the chunks are packed end to end into the training batch's rows, several groups
/// of them here: every prediction stays what the chunk alone gives.
fn both_strands_match_two_passes(d: &Path, folder: &str) {
    use dnactx::predict::{Predictor, padded_chunk, revcomp_codes};
    let model = load_cpu(d, folder);
    let codes = yeast_codes(d);
    let flank = model.flank();
    let short = [1, 17, 40, 64, 3, 99, 120, 7, 33, 250, 56, 80];
    let spans = [(5000, 5200), (0, 90), (7000, 7101), (12345, 12600)]
        .into_iter()
        .chain(
            short
                .iter()
                .enumerate()
                .map(|(i, &n)| (20_000 + 300 * i, 20_000 + 300 * i + n)),
        );
    let inputs: Vec<Vec<u8>> = spans
        .map(|(s, e)| padded_chunk(&codes, s, e, flank))
        .collect();
    let both = model
        .predict_chunks_both(&inputs)
        .expect("a base model with a strand-symmetric prior runs both strands at once")
        .unwrap();
    let fwd = model.predict_chunks(&inputs).unwrap();
    let rc: Vec<Vec<u8>> = inputs.iter().map(|c| revcomp_codes(c)).collect();
    let rev = model.predict_chunks(&rc).unwrap();
    // every group padded to the training batch's shape (CUDA's default) predicts the same
    let fixed = load_cpu(d, folder).with_fixed_shapes(true);
    let fixed_both = fixed.predict_chunks_both(&inputs).unwrap().unwrap();
    let fixed_fwd = fixed.predict_chunks(&inputs).unwrap();
    for (a, b) in both.iter().flatten().chain(fwd.iter().flatten()).zip(
        fixed_both
            .iter()
            .flatten()
            .chain(fixed_fwd.iter().flatten()),
    ) {
        for k in 0..4 {
            assert!(
                (a[k] - b[k]).abs() < 1e-5,
                "{folder}: fixed shapes {} against {}",
                b[k],
                a[k]
            );
        }
    }
    for (c, ((b, f), r)) in both.iter().zip(&fwd).zip(&rev).enumerate() {
        let n = f.len();
        assert_eq!(b.len(), n, "{folder}: chunk {c}");
        for i in 0..n {
            for k in 0..4 {
                let want = 0.5 * (f[i][k] + r[n - 1 - i][3 - k]);
                assert!(
                    (b[i][k] - want).abs() < 1e-5,
                    "{folder}: chunk {c} position {i} base {k}: {} against {want}",
                    b[i][k]
                );
            }
        }
    }
}

fn weights(path: &Path) -> HashMap<String, Vec<f32>> {
    tch::Tensor::read_safetensors(path)
        .unwrap()
        .into_iter()
        .map(|(n, t)| (n, Vec::<f32>::try_from(t.reshape([-1])).unwrap()))
        .collect()
}

#[test]
fn training_writes_a_self_describing_folder_and_scores() {
    let dir = setup_trained();
    let d = dir.path();
    assert_eq!(
        listing(&d.join("m")),
        vec!["config.yaml", "metrics.parquet", "weights.safetensors"]
    );
    let cfg = std::fs::read_to_string(d.join("m/config.yaml")).unwrap();
    for key in [
        "dnactx_version: 0.1.0",
        "architecture: cnn",
        "field: 15",
        "parameters:",
        "genome_checksum: fnv1a64:",
        "train_chroms:",
        "steps: 30",
    ] {
        assert!(cfg.contains(key), "config.yaml lacks {key}:\n{cfg}");
    }
    // scoring a model folder: every A/C/G/T base of the regions gets a prediction
    write(d, "r.bed", "chrI\t0\t3000\nchrI\t100000\t101500\n");
    ok(
        d,
        "score-genome",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "m",
            "--regions",
            "r.bed",
            "--device",
            "cpu",
            "--tracks",
            "--precision",
            "full",
            "-o",
            "s",
        ],
    );
    assert_eq!(metric(&d.join("s/metrics.tsv"), "all", "all", "n"), "4500");
    ok(
        d,
        "score-genome",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "m",
            "--regions",
            "r.bed",
            "--rc-average",
            "-o",
            "rc",
        ],
    );
    // score-variants predicts each SNV from its own window, in groups of windows: the same
    // probabilities as score-genome's chunks at those positions
    let mut seq = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(d.join("y.fa.gz")).unwrap()),
        &mut seq,
    )
    .unwrap();
    let seq: Vec<u8> = seq.lines().skip(1).flat_map(|l| l.trim().bytes()).collect();
    let mut vcf = String::from(
        "##fileformat=VCFv4.2\n##contig=<ID=chrI>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    );
    let positions: Vec<usize> = (0..3000)
        .step_by(7)
        .chain((100_000..101_500).step_by(5))
        .collect();
    for &p in &positions {
        let r = seq[p].to_ascii_uppercase();
        let alt = if r == b'A' { 'C' } else { 'A' };
        vcf.push_str(&format!(
            "chrI\t{}\t.\t{}\t{alt}\t.\t.\t.\n",
            p + 1,
            r as char
        ));
    }
    write(d, "v.vcf", &vcf);
    ok(
        d,
        "score-variants",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "m",
            "-i",
            "v.vcf",
            "--parquet",
            "v.parquet",
            "--device",
            "cpu",
        ],
    );
    use polars::prelude::SerReader;
    let table =
        polars::prelude::ParquetReader::new(std::fs::File::open(d.join("v.parquet")).unwrap())
            .finish()
            .unwrap();
    let p_ref = table
        .column("p_ref")
        .unwrap()
        .cast(&polars::prelude::DataType::Float64)
        .unwrap();
    let p_ref: Vec<f64> = p_ref.f64().unwrap().into_no_null_iter().collect();
    assert_eq!(p_ref.len(), positions.len());
    let mut bw = bigtools::BigWigRead::open_file(d.join("s/p_ref.bw")).unwrap();
    for (&p, &got) in positions.iter().zip(&p_ref) {
        let want = bw.values("chrI", p as u32, p as u32 + 1).unwrap()[0] as f64;
        assert!(
            (got - want).abs() < 1e-4,
            "position {p}: score-variants {got}, score-genome {want}"
        );
    }
    let a: f64 = metric(&d.join("s/metrics.tsv"), "all", "all", "bits")
        .parse()
        .unwrap();
    let b: f64 = metric(&d.join("rc/metrics.tsv"), "all", "all", "bits")
        .parse()
        .unwrap();
    assert!(
        a != b && (a - b).abs() < 0.5,
        "rc averaging changes the predictions a little: {a} {b}"
    );
    both_strands_match_two_passes(d, "m");
}

#[test]
fn a_kmer_prior_travels_with_the_model() {
    let dir = setup();
    let d = dir.path();
    count_kmers(d, 4);
    let out = train(
        d,
        &[&YEAST_CNN[..], &["--prior", "k4.parquet", "-o", "m"]].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        listing(&d.join("m")),
        vec![
            "config.yaml",
            "metrics.parquet",
            "prior.parquet",
            "weights.safetensors"
        ]
    );
    let cfg = std::fs::read_to_string(d.join("m/config.yaml")).unwrap();
    assert!(
        cfg.contains("prior:") && cfg.contains("table: prior.parquet") && cfg.contains("k: 4"),
        "{cfg}"
    );
    write(d, "r.bed", "chrI\t5000\t9000\n");
    // the folder alone is enough to score: move it away from the count table
    std::fs::rename(d.join("m"), d.join("moved")).unwrap();
    std::fs::remove_file(d.join("k4.parquet")).unwrap();
    score_regions(d, "moved", "s");
    assert_eq!(metric(&d.join("s/metrics.tsv"), "all", "all", "n"), "4000");
    // a table of the forward strand alone (count-kmers' default) is not strand-symmetric:
    // --rc-average then looks the prior up on each strand, in two passes
    let model = load_cpu(d, "moved");
    let chunk = vec![padded_chunk_of(
        d,
        5000,
        5100,
        dnactx::predict::Predictor::flank(&model),
    )];
    assert!(dnactx::predict::Predictor::predict_chunks_both(&model, &chunk).is_none());
}

/// An FM-index prior with its depth channels (`--prior-depth`): saved in the folder's
/// config, read by the head (4 + 2 channels beside the streams), and scored from the folder
/// alone; asked of a count table, or without a prior, it is refused.
#[test]
fn an_fm_index_prior_with_depth_channels() {
    let dir = setup();
    let d = dir.path();
    index_train(d);
    let prior = ["--prior", "y.fmd", "--prior-order", "6"];
    let out = train(
        d,
        &[&YEAST_CNN[..], &prior, &["--prior-depth", "-o", "m"]].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg = std::fs::read_to_string(d.join("m/config.yaml")).unwrap();
    assert!(
        cfg.contains("table: prior.fmd") && cfg.contains("depth: true"),
        "{cfg}"
    );
    // the head's first layer: 16 outputs from two streams of 16 channels and 6 prior channels
    let w = weights(&d.join("m/weights.safetensors"));
    assert_eq!(w["head.dense0.weight"].len(), 16 * (2 * 16 + 6));
    write(d, "r.bed", "chrI\t5000\t9000\n");
    std::fs::remove_file(d.join("y.fmd")).unwrap();
    score_regions(d, "m", "s");
    assert_eq!(metric(&d.join("s/metrics.tsv"), "all", "all", "n"), "4000");
    both_strands_match_two_passes(d, "m");
    count_kmers(d, 4);
    training_refuses_with(
        d,
        &[
            "--config",
            "cnn.yaml",
            "--prior",
            "k4.parquet",
            "--prior-depth",
        ],
        "need an FM-index prior",
    );
    training_refuses_with(d, &["--config", "cnn.yaml", "--prior-depth"], "--prior");
}

/// The prior's inputs kept across epochs (`train.prior_cache_mb`, on by default) train to
/// the very weights of the same run looking every chunk's prior up, here with two loader
/// threads filling the cache side by side and 200 steps over the same 184 kb (both strands).
#[test]
fn the_prior_cache_trains_to_the_same_weights() {
    let dir = setup();
    let d = dir.path();
    index_train(d);
    let cnn = std::fs::read_to_string(d.join("cnn.yaml")).unwrap();
    let cnn = cnn.replace("steps: 30", "steps: 200");
    write(d, "cached.yaml", &cnn);
    write(d, "looked-up.yaml", &format!("{cnn}  prior_cache_mb: 0\n"));
    let run = |yaml: &str, how: &[&str], out: &str| {
        let args = yeast_config(yaml);
        let prior = ["--prior", "y.fmd", "--prior-order", "6", "-o", out];
        let done = train(d, &[&args[..], &prior, how].concat());
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        weights(&d.join(out).join("weights.safetensors"))
    };
    let cached = run("cached.yaml", &["--prefetch", "4", "--loaders", "2"], "c");
    let looked_up = run("looked-up.yaml", &["--prefetch", "0"], "l");
    assert_eq!(cached.len(), looked_up.len());
    for (name, w) in &cached {
        assert_eq!(
            w, &looked_up[name],
            "weights of {name} differ with the cache"
        );
    }
    let cfg = std::fs::read_to_string(d.join("c/config.yaml")).unwrap();
    assert!(cfg.contains("prior_cache_mb: 4096"), "{cfg}");
}

#[test]
fn a_killed_run_resumes_to_the_same_weights() {
    killed_run_resumes("steps: 120");
}

/// The same with a budget in targets (the schedule laid over targets seen).
#[test]
fn a_killed_run_with_a_target_budget_resumes_to_the_same_weights() {
    killed_run_resumes("steps: 0\n  max_targets: 400000");
}

/// The same with an average of the weights (train.ema): its tensors are in the checkpoint.
#[test]
fn a_killed_run_with_weight_averaging_resumes_to_the_same_weights() {
    killed_run_resumes("steps: 120\n  ema: 0.9");
}

/// Metrics rows of a finished model folder: (step, lr, wall_seconds).
fn metric_rows(folder: &Path) -> Vec<(u64, f64, f64)> {
    let step = metric_column(folder, "step");
    let lr = metric_column(folder, "lr");
    let wall = metric_column(folder, "wall_seconds");
    (0..step.len())
        .map(|i| (step[i] as u64, lr[i], wall[i]))
        .collect()
}

/// A 12-second time budget: training stops on time and the learning rate has decayed to its minimum
/// by then (the schedule follows the clock, not the steps).
#[test]
fn a_time_budget_ends_with_the_smallest_learning_rate() {
    let dir = setup();
    let d = dir.path();
    let budget = ["--steps", "1000000", "--max-minutes", "0.2", "-o", "timed"];
    let out = train(d, &[&YEAST_CNN[..], &budget[..]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = metric_rows(&d.join("timed"));
    let (step, lr, wall) = *rows.last().unwrap();
    let min = 2e-3 * 0.05;
    assert!(step > 5, "trained {step} steps");
    assert!(
        (10.0..30.0).contains(&wall),
        "stopped after {wall} s (budget 12 s)"
    );
    // the last step runs at the smallest rate, however long the steps before it took
    assert!(
        (lr - min).abs() < 1e-12,
        "last learning rate {lr}, minimum {min}"
    );
    // and it fell steadily to there after warm-up
    let lrs: Vec<f64> = rows.iter().filter(|r| r.0 > 5).map(|r| r.1).collect();
    assert!(lrs.windows(2).all(|w| w[1] <= w[0]), "{lrs:?}");
}

fn killed_run_resumes(budget: &str) {
    let dir = setup();
    let d = dir.path();
    let cfg = format!(
        "model:\n  architecture: cnn\n  channels: 32\n  kernel_sizes: [3, 3, 3]\n  dilations: [1, 2, 4]\n  dense: [32]\ntrain:\n  chunk: 512\n  batch: 8\n  {budget}\n  valid_every: 5\n  valid_chunks: 4\n  warmup: 10\n"
    );
    write(d, "r.yaml", &cfg);
    let args = yeast_config("r.yaml");
    // batches made on the training thread here, by a loader thread in the killed run: the
    // same batches either way
    let whole = train(
        d,
        &[&args[..], &["-o", "whole", "--prefetch", "0"]].concat(),
    );
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );

    // the same run, killed once it has written a checkpoint past the first one
    let mut child = Command::new(train_bin())
        .args(args)
        .args([
            "-o",
            "killed",
            "--prefetch",
            "4",
            "-q",
            "-t",
            "2",
            "--device",
            "cpu",
        ])
        .current_dir(d)
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let state = std::fs::read_to_string(d.join("killed/checkpoint.yaml")).unwrap_or_default();
        if state.contains("step: 10") || state.contains("step: 15") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!d.join("killed/weights.safetensors").exists());
    // resumed as another model (a head of 2 outputs): refused, the folder untouched
    let other = train(
        d,
        &[&args[..], &["-o", "killed", "--resume", "--target", "pair"]].concat(),
    );
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(
        !other.status.success() && err.contains("resume with the same --config and options"),
        "{err}"
    );
    // resumed with batches made on the training thread: how batches are made may change
    let resumed = train(
        d,
        &[&args[..], &["-o", "killed", "--resume", "--prefetch", "0"]].concat(),
    );
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let (a, b) = (
        weights(&d.join("whole/weights.safetensors")),
        weights(&d.join("killed/weights.safetensors")),
    );
    assert_eq!(a.len(), b.len());
    for (name, w) in &a {
        assert_eq!(w, &b[name], "weights of {name} differ after resuming");
    }
    // the metrics carry over: one row every 5 steps
    let steps = std::fs::read(d.join("killed/metrics.parquet")).unwrap();
    assert!(!steps.is_empty());
    // resuming a finished run says so
    let again = train(d, &[&args[..], &["-o", "killed", "--resume"]].concat());
    assert!(String::from_utf8_lossy(&again.stderr).contains("finished"));
}

#[test]
fn bad_model_input_fails_cleanly() {
    let dir = setup();
    let d = dir.path();
    let base = ["-g", "y.fa.gz", "--windows", "w.parquet"];
    let fails_train = |extra: &[&str], needles: &[&str]| {
        let out = train(d, &[&base[..], extra].concat());
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{extra:?} should fail");
        for n in needles {
            assert!(err.contains(n), "{extra:?}: message lacks '{n}': {err}");
        }
        assert!(!d.join("bad").exists(), "{extra:?} left a model folder");
    };
    write(d, "arch.yaml", "model:\n  architecture: rnn\n");
    fails_train(
        &["--config", "arch.yaml", "-o", "bad"],
        &["arch.yaml", "rnn", "unknown variant"],
    );
    write(
        d,
        "field.yaml",
        "model:\n  architecture: cnn\n  chanels: 8\n",
    );
    fails_train(
        &["--config", "field.yaml", "-o", "bad"],
        &["field.yaml", "chanels"],
    );
    write(
        d,
        "big.yaml",
        "model:\n  architecture: mlp\n  flank: 300\ntrain:\n  chunk: 128\n",
    );
    fails_train(
        &["--config", "big.yaml", "-o", "bad"],
        &["field (300", "larger than the chunk (128"],
    );
    fails_train(
        &["--preset", "huge", "-o", "bad"],
        &["invalid value 'huge'", "seed-cnn", "gpu-large"],
    );
    fails_train(&["--preset", "gpu-large", "-o", "bad"], &["give --prior"]);
    fails_train(
        &[
            "--preset",
            "seed-cnn",
            "--architecture",
            "lstm",
            "-o",
            "bad",
        ],
        &["seed-cnn's architecture is cnn"],
    );
    write(d, "preset.yaml", "preset: seed-lstm\n");
    fails_train(
        &[
            "--config",
            "preset.yaml",
            "--preset",
            "seed-cnn",
            "-o",
            "bad",
        ],
        &["preset.yaml", "differ"],
    );
    fails_train(
        &["--config", "cnn.yaml", "--dtype", "fp8", "-o", "bad"],
        &["'fp8'", "bf16"],
    );
    let out = Command::new(train_bin())
        .args(base)
        .args(["--config", "cnn.yaml", "-o", "bad", "--device", "cuda"])
        .current_dir(d)
        .output()
        .unwrap();
    if !tch::Cuda::is_available() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("no CUDA device"),
            "{err}"
        );
        assert!(!d.join("bad").exists());
    }

    // a trained folder, then broken copies of it
    let out = train(
        d,
        &[&base[..], &["--config", "cnn.yaml", "-o", "m"]].concat(),
    );
    assert!(out.status.success());
    write(d, "r.bed", "chrI\t0\t1000\n");
    let score = |model: &str| fails(d, "score-genome", &score_args(model, "s"));
    let copy = |name: &str| {
        std::fs::create_dir(d.join(name)).unwrap();
        for f in ["config.yaml", "weights.safetensors", "metrics.parquet"] {
            std::fs::copy(d.join("m").join(f), d.join(name).join(f)).unwrap();
        }
        d.join(name)
    };
    let old = copy("old");
    let cfg = std::fs::read_to_string(old.join("config.yaml"))
        .unwrap()
        .replace("dnactx_version: 0.1.0", "dnactx_version: 0.0.7");
    std::fs::write(old.join("config.yaml"), cfg).unwrap();
    let e = score("old");
    assert!(
        e.contains("old/config.yaml") && e.contains("0.0.7") && e.contains("retrain"),
        "{e}"
    );
    let missing = copy("missing");
    std::fs::remove_file(missing.join("weights.safetensors")).unwrap();
    let e = score("missing");
    assert!(
        e.contains("missing/weights.safetensors") && e.contains("missing"),
        "{e}"
    );
    let corrupt = copy("corrupt");
    let bytes = std::fs::read(corrupt.join("weights.safetensors")).unwrap();
    std::fs::write(
        corrupt.join("weights.safetensors"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    let e = fails(
        d,
        "score-genome",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "m",
            "--regions",
            "r.bed",
            "--dtype",
            "fp8",
            "-o",
            "s",
        ],
    );
    assert!(
        e.contains("invalid value 'fp8' for '--dtype")
            && e.contains("bf16")
            && !d.join("s").exists(),
        "{e}"
    );
    let e = score("corrupt");
    assert!(
        e.contains("corrupt/weights.safetensors") && e.contains("cannot load"),
        "{e}"
    );
    assert!(!d.join("s").join("p_ref.bw").exists());
    let e = fails(
        d,
        "score-genome",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "m",
            "--regions",
            "r.bed",
            "--device",
            "cuda:7",
            "-o",
            "s",
        ],
    );
    if !tch::Cuda::is_available() {
        assert!(e.contains("no CUDA device"), "{e}");
    }
    // a prior whose k reaches beyond the field
    count_kmers(d, 8);
    write(
        d,
        "mlp.yaml",
        "model:\n  architecture: mlp\n  flank: 7\ntrain:\n  chunk: 64\n",
    );
    fails_train(
        &["--config", "mlp.yaml", "--prior", "k8.parquet", "-o", "bad"],
        &["k8.parquet", "k = 8", "field (7)"],
    );
    // a non-empty folder is not overwritten without --resume
    let out = train(
        d,
        &[&base[..], &["--config", "cnn.yaml", "-o", "m"]].concat(),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
}

/// A preset with a config laid over it, trained under bfloat16 autocast on the CPU with
/// --profile; the same weights scored in f32 and bf16 agree.
#[test]
fn presets_bf16_and_profile() {
    let dir = setup();
    let d = dir.path();
    let list = Command::new(train_bin())
        .arg("--list-presets")
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    for name in [
        "seed-mlp",
        "seed-cnn",
        "seed-lstm",
        "cpu-small-cnn",
        "cpu-small-lstm",
        "gpu-large",
    ] {
        assert!(list.contains(name), "--list-presets lacks {name}:\n{list}");
    }
    assert!(list.contains("flops_per_base"), "{list}");
    write(
        d,
        "over.yaml",
        "model:\n  channels: 16\ntrain:\n  chunk: 256\n  batch: 4\n  steps: 20\n  max_minutes: 0\n  valid_every: 10\n  valid_chunks: 8\n  warmup: 5\n",
    );
    let args = [
        "-g",
        "y.fa.gz",
        "--windows",
        "w.parquet",
        "--preset",
        "cpu-small",
        "--config",
        "over.yaml",
        "--dtype",
        "bf16",
        "--profile",
        "-o",
        "m",
    ];
    let out = Command::new(train_bin())
        .args(args)
        .args(["-t", "2", "--device", "cpu"])
        .current_dir(d)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("preset cpu-small-cnn") && err.contains("FLOPs per base"),
        "{err}"
    );
    assert_eq!(err.matches("waiting for data").count(), 2, "{err}");
    let cfg = std::fs::read_to_string(d.join("m/config.yaml")).unwrap();
    for key in [
        "preset: cpu-small-cnn",
        "channels: 16",
        "- 16\n",
        "residual: true",
        "precision: bf16",
        "steps: 20",
        "flops_per_base:",
    ] {
        assert!(cfg.contains(key), "config.yaml lacks {key}:\n{cfg}");
    }
    write(d, "r.bed", "chrI\t0\t20000\n");
    let metrics = |dtype: &str| {
        let o = format!("s_{dtype}");
        ok(
            d,
            "score-genome",
            &[
                "-g",
                "y.fa.gz",
                "-m",
                "m",
                "--regions",
                "r.bed",
                "--device",
                "cpu",
                "--dtype",
                dtype,
                "-o",
                &o,
            ],
        );
        let tsv = d.join(&o).join("metrics.tsv");
        let f = |c: &str| metric(&tsv, "all", "all", c).parse::<f64>().unwrap();
        (f("accuracy"), f("bits"))
    };
    let (a32, b32) = metrics("f32");
    let (a16, b16) = metrics("bf16");
    assert!(
        (a32 - a16).abs() < 0.005,
        "accuracy {a32} (f32) against {a16} (bf16)"
    );
    assert!(
        (b32 - b16).abs() < 0.005,
        "bits {b32} (f32) against {b16} (bf16)"
    );
}

/// A column of a finished model folder's metrics, as f64.
/// Training with `bad.yaml` holding `yaml` fails with a message holding `needle`, and
/// leaves no folder.
fn training_refuses(d: &Path, yaml: &str, needle: &str) {
    write(d, "bad.yaml", yaml);
    training_refuses_with(d, &["--config", "bad.yaml"], needle);
}

/// Training on the yeast chromosome with `flags` fails with a message holding `needle`, and
/// leaves no folder.
fn training_refuses_with(d: &Path, flags: &[&str], needle: &str) {
    let args = [
        &["-g", "y.fa.gz", "--windows", "w.parquet"][..],
        flags,
        &["-o", "bad"],
    ]
    .concat();
    let out = train(d, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains(needle),
        "{flags:?}: {err}"
    );
    assert!(!d.join("bad").exists());
}

fn metric_column(folder: &Path, name: &str) -> Vec<f64> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(folder.join("metrics.parquet")).unwrap())
        .finish()
        .unwrap();
    let col = df.column(name).unwrap().cast(&DataType::Float64).unwrap();
    (0..df.height())
        .map(|i| col.get(i).unwrap().try_extract::<f64>().unwrap_or(f64::NAN))
        .collect()
}

/// `train.only`: the loss of the other class weighs nothing. With every base a repeat,
/// `only: repeat` trains exactly as no `only` (the same weights, bit for bit), and
/// `only: non_repeat` has nothing to learn from (a train loss of 0, no valid positions).
#[test]
fn training_on_one_class_only() {
    let dir = setup();
    let d = dir.path();
    write(d, "all.bed", "chrI\t0\t230218\n");
    let base = std::fs::read_to_string(d.join("cnn.yaml")).unwrap();
    for (name, extra) in [
        ("plain", ""),
        ("rep", "  only: repeat\n"),
        ("non", "  only: non_repeat\n"),
    ] {
        write(d, &format!("{name}.yaml"), &format!("{base}{extra}"));
        let yaml = format!("{name}.yaml");
        let out = train(
            d,
            &[
                "-g",
                "y.fa.gz",
                "--windows",
                "w.parquet",
                "--config",
                &yaml,
                "--repeats",
                "all.bed",
                "-o",
                name,
            ],
        );
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        weights(&d.join("plain/weights.safetensors")),
        weights(&d.join("rep/weights.safetensors"))
    );
    let config = std::fs::read_to_string(d.join("rep/config.yaml")).unwrap();
    assert!(config.contains("only: repeat"), "{config}");
    assert!(
        metric_column(&d.join("non"), "train_loss")
            .iter()
            .all(|&l| l == 0.0)
    );
    assert!(
        metric_column(&d.join("non"), "valid_loss")
            .iter()
            .all(|l| l.is_nan())
    );
    assert!(
        metric_column(&d.join("plain"), "train_loss")
            .iter()
            .all(|&l| l > 0.5)
    );
    // bad input: an unknown class, and only with a repeat weight
    for (yaml, needle) in [
        ("  only: exons\n", "unknown variant `exons`"),
        (
            "  only: repeat\n  repeat_weight: 0.5\n",
            "only and repeat_weight do not go together",
        ),
    ] {
        training_refuses(d, &format!("{base}{yaml}"), needle);
    }
}

/// Two-class targets and the repeat classifier: `--target pair` trains a head of 2 outputs
/// whose probabilities, as a predictor, are split evenly between each pair's bases; a
/// fusion file mixes a repeat-trained and a non-repeat-trained model by the classifier's
/// probability of a repeat, exactly as computed here from the three models alone.
#[test]
fn two_class_targets_and_fusion() {
    use dnactx::nn::NeuralModel;
    use dnactx::nn::fusion::FusedModel;
    use dnactx::nn::precision::Dtype;
    use dnactx::predict::{Predictor, padded_chunk};
    let dir = setup();
    let d = dir.path();
    // every other 2 kb of chrI is a "repeat"
    let bed: String = (0..57)
        .map(|i| format!("chrI\t{}\t{}\n", i * 4000, i * 4000 + 2000))
        .collect();
    write(d, "rep.bed", &bed);
    let base = std::fs::read_to_string(d.join("cnn.yaml")).unwrap();
    write(d, "seed2.yaml", &format!("{base}  seed: 2\n"));
    // the classifier reads a shorter field than the two others
    write(d, "short.yaml", &base.replace("[1, 2, 4]", "[1, 1, 1]"));
    // the repeat member trains longer chunks than the two others
    write(d, "long.yaml", &base.replace("chunk: 256", "chunk: 512"));
    for (name, extra) in [
        ("pair", &["--target", "pair"][..]),
        ("type", &["--config", "cnn.yaml", "--target", "type"][..]),
        (
            "cls",
            &[
                "--config",
                "short.yaml",
                "--target",
                "repeat",
                "--repeats",
                "rep.bed",
            ][..],
        ),
        ("a", &["--config", "long.yaml"][..]),
        ("b", &["--config", "seed2.yaml"][..]),
    ] {
        let mut args = vec!["-g", "y.fa.gz", "--windows", "w.parquet", "-o", name];
        if !extra.contains(&"--config") {
            args.extend(["--config", "cnn.yaml"]);
        }
        args.extend(extra);
        let out = train(d, &args);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (name, target) in [("pair", "pair"), ("type", "type"), ("cls", "repeat")] {
        let config = std::fs::read_to_string(d.join(name).join("config.yaml")).unwrap();
        assert!(config.contains(&format!("target: {target}")), "{config}");
        let w = tch::Tensor::read_safetensors(d.join(name).join("weights.safetensors")).unwrap();
        let last = w
            .iter()
            .filter(|(n, _)| n.starts_with("head.") && n.ends_with(".weight"))
            .max_by_key(|(n, _)| n.clone())
            .unwrap();
        assert_eq!(last.1.size()[0], 2, "{name}: {}", last.0);
        let acc = metric_column(&d.join(name), "valid_accuracy");
        assert!(
            acc.iter().all(|a| (0.0..=1.0).contains(a)),
            "{name}: {acc:?}"
        );
    }
    let genome = dnactx::genome::Genome::open(&d.join("y.fa.gz")).unwrap();
    let codes = genome.fetch("chrI").unwrap().codes().to_vec();
    // a pair model's bases: A = T and C = G, the pairs' probabilities summing to 1
    let pair = load_cpu(d, "pair");
    let f = pair.flank();
    let chunks: Vec<Vec<u8>> = [(0, 300), (50_000, 50_700), (230_000, 230_218)]
        .iter()
        .map(|&(s, e)| padded_chunk(&codes, s, e, f))
        .collect();
    let classes = pair.predict_classes(&chunks).unwrap();
    let probs = pair.predict_chunks(&chunks).unwrap();
    for (q, p) in classes.iter().zip(&probs) {
        assert_eq!(q.len(), 2 * p.len());
        for (q, p) in q.chunks(2).zip(p) {
            assert!((q[0] + q[1] - 1.0).abs() < 1e-5);
            assert_eq!((p[0], p[1]), (p[3], p[2]));
            assert!((p[0] - q[0] / 2.0).abs() < 1e-7 && (p[1] - q[1] / 2.0).abs() < 1e-7);
        }
    }
    // the fusion, against the three models run alone
    write(
        d,
        "fused.yaml",
        "fusion:\n  classifier: cls\n  repeat: a\n  non_repeat: b\n",
    );
    let fused = FusedModel::load(&d.join("fused.yaml"), tch::Device::Cpu, Dtype::F32).unwrap();
    let (cls, a, b) = (load_cpu(d, "cls"), load_cpu(d, "a"), load_cpu(d, "b"));
    let f = fused.flank();
    assert!(cls.flank() < a.flank());
    assert_eq!(f, a.flank().max(b.flank()).max(cls.flank()));
    // chunks every member's rows hold (the smallest member's)
    assert_eq!((a.chunking().0, b.chunking().0), (512, 256));
    assert_eq!(fused.chunking(), b.chunking());
    let spans = [(1000, 1600), (101_000, 102_100)];
    let chunks: Vec<Vec<u8>> = spans
        .iter()
        .map(|&(s, e)| padded_chunk(&codes, s, e, f))
        .collect();
    let got = fused.predict_chunks(&chunks).unwrap();
    let own = |m: &NeuralModel| -> Vec<Vec<u8>> {
        spans
            .iter()
            .map(|&(s, e)| padded_chunk(&codes, s, e, m.flank()))
            .collect()
    };
    let r = cls.predict_classes(&own(&cls)).unwrap();
    let (pa, pb) = (
        a.predict_chunks(&own(&a)).unwrap(),
        b.predict_chunks(&own(&b)).unwrap(),
    );
    let mut differ = 0;
    for c in 0..spans.len() {
        assert_eq!(got[c].len(), spans[c].1 - spans[c].0);
        for j in 0..got[c].len() {
            let rj = r[c][2 * j + 1];
            assert!((r[c][2 * j] + rj - 1.0).abs() < 1e-5);
            for k in 0..4 {
                let want = rj * pa[c][j][k] + (1.0 - rj) * pb[c][j][k];
                assert!((got[c][j][k] - want).abs() < 1e-6, "{c} {j} {k}");
            }
            differ += usize::from((pa[c][j][0] - pb[c][j][0]).abs() > 1e-3);
        }
    }
    assert!(differ > 100, "the two members hardly differ ({differ})");
    // scoring tools: the pair model's rows are its target's only; the fusion scores; the
    // classifier is refused, as are fusions of the wrong members
    write(d, "r.bed", "chrI\t1000\t9000\n");
    let score = |model: &str, out: &str| {
        Command::new(env!("CARGO_BIN_EXE_score-genome"))
            .args(score_args(model, out))
            .arg("-q")
            .current_dir(d)
            .output()
            .unwrap()
    };
    let out = score("pair", "s_pair");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tsv = std::fs::read_to_string(d.join("s_pair/metrics.tsv")).unwrap();
    assert!(tsv.lines().skip(1).all(|l| l.ends_with("\tpair")), "{tsv}");
    let out = score("fused.yaml", "s_fused");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tsv = std::fs::read_to_string(d.join("s_fused/metrics.tsv")).unwrap();
    assert!(
        tsv.lines().any(|l| l.starts_with("all\tall\t8000\t")),
        "{tsv}"
    );
    for (yaml, needle) in [
        ("", "is a repeat classifier"),
        (
            "fusion:\n  classifier: a\n  repeat: a\n  non_repeat: b\n",
            "fusion.classifier: a predicts the base; a fusion's classifier must predict the repeat",
        ),
        (
            "fusion:\n  classifier: cls\n  repeat: pair\n  non_repeat: b\n",
            "fusion.repeat: pair predicts the pair",
        ),
        (
            "fusion:\n  classifier: cls\n  repeat: nowhere\n  non_repeat: b\n",
            "fusion.repeat: nowhere is not a model folder",
        ),
        (
            "fusion:\n  classifier: cls\n  repeats: a\n",
            "unknown field `repeats`",
        ),
    ] {
        let model = if yaml.is_empty() {
            "cls"
        } else {
            write(d, "bad.yaml", yaml);
            "bad.yaml"
        };
        let out = score(model, "s_bad");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(needle),
            "{yaml}: {err}"
        );
        assert!(!d.join("s_bad/metrics.tsv").exists());
    }
    // bad input at training: a repeat classifier with a class weight, or without repeats
    training_refuses(
        d,
        &format!("{base}  only: repeat\n  target: repeat\n"),
        "leave out only",
    );
    write(d, "empty.bed", "");
    training_refuses_with(
        d,
        &[
            "--config",
            "cnn.yaml",
            "--target",
            "repeat",
            "--repeats",
            "empty.bed",
        ],
        "has no repeats to learn from",
    );
    training_refuses_with(d, &["--target", "codon"], "invalid value 'codon'");
    training_refuses_with(d, &["--target", "codon"], "base, pair, type, repeat");
    // score-genome's stream of scaffolds through the fusion (on CUDA's layout each member's
    // chunks packed into its own fixed shape, the repeat member's twice as long as the
    // fusion's chunks): what each chunk alone gives
    let scaffolds = write_scaffolds(d);
    scored_as_alone(d, "fused.yaml", &fused, &scaffolds);
}

/// 51 scaffolds of 3 to 2,100 bases (real sequence; some scored in two intervals, some not at
/// all; one FASTA) scored by score-genome, whose chunks of consecutive contigs go to the model
/// as one stream: every position's p_ref is what the model gives its chunk alone (the naive
/// reference: each scored interval cut into the model's chunks, each predicted by itself),
/// on the CPU's layout and on CUDA's (`DNACTX_FIXED_SHAPES=1`: short chunks packed end to end
/// into the batch's rows), one strand and both, and CUDA's channels-last network
/// (`DNACTX_CHANNELS_LAST=1`) in those rows on both strands. The CNN, a transformer, an MLP,
/// and the LSTM, whose reverse stream starts its blocks at a row's end: its rows end where the
/// fixed width's would, modulo its block, so a chunk scores the same whatever shares its pass
/// (a chunk longer than the fixed shape beside a short one included).
#[test]
fn scaffolds_score_as_each_scaffold_alone() {
    let dir = setup_trained();
    let d = dir.path();
    let scaffolds = write_scaffolds(d);
    let tiny = "train:\n  chunk: 256\n  batch: 4\n  steps: 4\n  valid_every: 2\n  valid_chunks: 4\n  warmup: 1\n";
    for (name, model) in [
        (
            "lstm",
            "architecture: lstm\n  flank: 40\n  conv_channels: 8\n  kernel_sizes: [3]\n  hidden: 8\n  dense: [8]",
        ),
        (
            "tf",
            "architecture: transformer\n  flank: 40\n  dim: 8\n  heads: 2\n  layers: 2\n  ffn: 16\n  dense: [8]",
        ),
        ("mlp", "architecture: mlp\n  flank: 30\n  hidden: [16, 16]"),
    ] {
        write(
            d,
            &format!("{name}.yaml"),
            &format!("model:\n  {model}\n{tiny}"),
        );
        let config = format!("{name}.yaml");
        let out = train(d, &[&yeast_config(&config)[..], &["-o", name]].concat());
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // packing and the reverse strand made on the device, for the architectures but the LSTM
    // (whose reverse strand is scored as chunks of their own)
    for model in ["tf", "mlp"] {
        both_strands_match_two_passes(d, model);
    }
    lstm_blocks_matter(d, &scaffolds);
    for model in ["m", "lstm", "tf", "mlp"] {
        // a chunk longer than the fixed shape beside short ones, in one group
        long_beside_short(
            model,
            &load_cpu(d, model).with_fixed_shapes(true),
            &scaffolds,
        );
        scored_as_alone(d, model, &load_cpu(d, model), &scaffolds);
    }
}

/// 51 scaffolds of 3 to 2,100 bases of the yeast chromosome in `d`, as `scaffolds.fa`, and
/// `r.bed`: most scaffolds whole, some in two intervals, some not at all.
fn write_scaffolds(d: &Path) -> Vec<Scaffold> {
    let codes = yeast_codes(d);
    let (mut fasta, mut bed, mut scaffolds, mut at) = (String::new(), String::new(), Vec::new(), 0);
    for i in 0..51 {
        // 41 of 60 to 2,100 bases, then 10 of 3 to 66 (packed several to a row on CUDA)
        let len = if i < 41 {
            60 + (i * 523) % 2041
        } else {
            3 + 7 * (i - 41)
        };
        let name = format!("scaffold_{i:02}");
        let seq = dnactx::genome::EncodedSeq::from_codes(codes[at..at + len].to_vec());
        fasta += &format!(">{name}\n{}\n", String::from_utf8(seq.to_ascii()).unwrap());
        // most scaffolds whole, some in two intervals, one not at all
        let intervals = match i % 7 {
            3 => vec![(0, len / 3), (len / 2, len)],
            5 => vec![],
            _ => vec![(0, len)],
        };
        for (s, e) in &intervals {
            bed += &format!("{name}\t{s}\t{e}\n");
        }
        scaffolds.push((name, codes[at..at + len].to_vec(), intervals));
        at += len;
    }
    write(d, "scaffolds.fa", &fasta);
    write(d, "r.bed", &bed);
    scaffolds
}

/// A scaffold's name, bases and scored intervals.
type Scaffold = (String, Vec<u8>, Vec<(usize, usize)>);

/// score-genome's p_ref of `scaffolds.fa`'s regions `r.bed` with `model` (CPU's layout,
/// CUDA's, CUDA's on both strands) against each chunk of `scaffolds` (name, bases, scored
/// intervals) predicted alone by `net` (`model` loaded).
fn scored_as_alone<P: dnactx::predict::Predictor>(
    d: &Path,
    model: &str,
    net: &P,
    scaffolds: &[Scaffold],
) {
    use dnactx::predict::padded_chunk;
    let (flank, chunk) = (net.flank(), net.chunking().0);
    long_beside_short(model, net, scaffolds);
    // (name, fixed shapes, channels-last, flags): the CPU's layout, CUDA's packed rows, and
    // CUDA's network and rows on both strands
    let runs: [(&str, &str, &str, &[&str]); 4] = [
        ("cpu", "0", "0", &[]),
        ("packed", "1", "0", &[]),
        ("packed-rc", "1", "0", &["--rc-average"]),
        ("cuda-rc", "1", "1", &["--rc-average"]),
    ];
    for (run, fixed, last, extra) in runs {
        let out = format!("{model}-{run}");
        let args = [
            "-g",
            "scaffolds.fa",
            "-m",
            model,
            "--regions",
            "r.bed",
            "--device",
            "cpu",
            "--precision",
            "full",
        ];
        let res = Command::new(bin("score-genome"))
            .args(args)
            .args(extra)
            .args(["-q", "-o", &out])
            .env(dnactx::nn::predictor::FIXED_SHAPES_ENV, fixed)
            .env(dnactx::nn::predictor::CHANNELS_LAST_ENV, last)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
        let mut bw = bigtools::BigWigRead::open_file(d.join(&out).join("p_ref.bw")).unwrap();
        for (name, bases, intervals) in scaffolds {
            if intervals.is_empty() {
                assert!(
                    !bw.chroms().iter().any(|c| &c.name == name) || {
                        let v = bw.values(name, 0, bases.len() as u32).unwrap();
                        v.iter().all(|x| x.is_nan())
                    }
                );
                continue;
            }
            let got = bw.values(name, 0, bases.len() as u32).unwrap();
            // the naive reference: NaN outside the intervals, each chunk predicted alone
            let mut want = vec![f32::NAN; bases.len()];
            for &(s, e) in intervals {
                for a in (s..e).step_by(chunk) {
                    let b = (a + chunk).min(e);
                    let input = vec![padded_chunk(bases, a, b, flank)];
                    let mut p = net.predict_chunks(&input).unwrap().remove(0);
                    if !extra.is_empty() {
                        let rc = vec![dnactx::predict::revcomp_codes(&input[0])];
                        let rev = net.predict_chunks(&rc).unwrap().remove(0);
                        let n = p.len();
                        for (j, q) in p.iter_mut().enumerate() {
                            for k in 0..4 {
                                q[k] = 0.5 * (q[k] + rev[n - 1 - j][3 - k]);
                            }
                        }
                    }
                    for (j, q) in (a..b).zip(&p) {
                        if dnactx::genome::encode::is_acgt(bases[j]) {
                            want[j] = q[dnactx::genome::encode::base(bases[j]) as usize];
                        }
                    }
                }
            }
            for (j, (g, w)) in got.iter().zip(&want).enumerate() {
                let what = format!("{out}: {name}:{j} p_ref {g}, its chunk alone {w}");
                assert_eq!(g.is_nan(), w.is_nan(), "{what}");
                assert!(w.is_nan() || (g - w).abs() < 1e-5, "{what}");
            }
        }
    }
}

/// Chunks predicted alone and together in one call, the same predictions (within 1e-5): a
/// chunk longer than `net`'s chunks beside a short one (with fixed shapes, longer than a
/// row, so one chunk a row), and short chunks of several lengths (with fixed shapes, packed
/// into rows).
fn long_beside_short<P: dnactx::predict::Predictor>(model: &str, net: &P, scaffolds: &[Scaffold]) {
    use dnactx::predict::padded_chunk;
    let (flank, chunk) = (net.flank(), net.chunking().0);
    let longest = &scaffolds.iter().max_by_key(|s| s.1.len()).unwrap().1;
    let cut = |start: usize, n: usize| padded_chunk(longest, start, start + n, flank);
    let short: Vec<Vec<u8>> = [1, 7, 30, 2, 64, 5, 13]
        .iter()
        .enumerate()
        .map(|(i, &n)| cut(100 * i, n))
        .collect();
    for chunks in [vec![cut(0, chunk + 50), cut(0, 100)], short] {
        let together = net.predict_chunks(&chunks).unwrap();
        for (one, with) in chunks.iter().zip(&together) {
            let alone = net.predict_chunks(&[one.to_vec()]).unwrap().remove(0);
            for (a, w) in alone.iter().flatten().zip(with.iter().flatten()) {
                let n = one.len();
                assert!(
                    (a - w).abs() < 1e-5,
                    "{model}, {n} bases: {a} alone, {w} in one pass"
                );
            }
        }
    }
}

/// The LSTM's predictions depend on where its blocks fall (the power of the tests above): the
/// same positions scored from two chunks that start 5 positions apart differ by more than
/// 1e-3, a hundred times what the tests allow.
fn lstm_blocks_matter(d: &Path, scaffolds: &[Scaffold]) {
    use dnactx::predict::{Predictor, padded_chunk};
    let net = load_cpu(d, "lstm");
    let (flank, bases) = (
        net.flank(),
        &scaffolds.iter().max_by_key(|s| s.1.len()).unwrap().1,
    );
    let (start, end, shift) = (400, 600, 5);
    let p = net
        .predict_chunks(&[
            padded_chunk(bases, start, end, flank),
            padded_chunk(bases, start - shift, end, flank),
        ])
        .unwrap();
    let moved = (p[0].iter().flatten())
        .zip(p[1][shift..].iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(moved > 1e-3, "the LSTM's blocks hardly matter: {moved}");
}
