//! Each binary end to end in its own temporary folder, asserting file contents against
//! naive references computed here.

mod common;
use common::*;

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// A reproducible pseudo-random DNA string.
fn random_dna(n: usize, seed: u64) -> String {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            b"ACGT"[(x >> 62) as usize] as char
        })
        .collect()
}

fn wrap(seq: &str, width: usize) -> String {
    seq.as_bytes()
        .chunks(width)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect()
}

#[test]
fn mask_repeats_merges_sources_with_labels() {
    let dir = tempdir();
    let d = dir.path();
    let left = random_dna(300, 1);
    let micro = "CA".repeat(40);
    let right = random_dna(300, 2);
    // soft-masked 10..20 and 500..520 (inside `right`), microsatellite at 300..380
    let mut seq: Vec<u8> = format!("{left}{micro}{right}").into_bytes();
    for i in (10..20).chain(500..520) {
        seq[i] = seq[i].to_ascii_lowercase();
    }
    let seq = String::from_utf8(seq).unwrap();
    let other = random_dna(200, 3);
    write(
        d,
        "g.fa",
        &format!(">c1\n{}>c2\n{}", wrap(&seq, 60), wrap(&other, 70)),
    );
    write(d, "rmsk.bed", "c2\t50\t60\tAluY\nc1\t15\t30\tL1\n");
    ok(
        d,
        "mask-repeats",
        &["-g", "g.fa", "--dust", "--bed", "rmsk.bed", "-o", "rep.bed"],
    );
    let bed = std::fs::read_to_string(d.join("rep.bed")).unwrap();
    let rows: Vec<Vec<&str>> = bed.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], vec!["c1", "10", "30", "softmask,rmsk"]);
    // the microsatellite, found by DUST only
    assert_eq!(rows[1][0], "c1");
    let (s, e): (u64, u64) = (rows[1][1].parse().unwrap(), rows[1][2].parse().unwrap());
    assert!(s.abs_diff(300) <= 3 && e.abs_diff(380) <= 3, "{bed}");
    assert_eq!(rows[1][3], "dust");
    assert_eq!(rows[2], vec!["c1", "500", "520", "softmask"]);
    assert_eq!(rows[3], vec!["c2", "50", "60", "rmsk"]);
    assert_eq!(rows.len(), 4, "{bed}");

    // soft-mask only by default; DUST alone with --no-softmask
    ok(d, "mask-repeats", &["-g", "g.fa", "-o", "soft.bed"]);
    assert_eq!(
        std::fs::read_to_string(d.join("soft.bed")).unwrap(),
        "c1\t10\t20\tsoftmask\nc1\t500\t520\tsoftmask\n"
    );
    ok(
        d,
        "mask-repeats",
        &["-g", "g.fa", "--dust", "--no-softmask", "-o", "dust.bed"],
    );
    let dust = std::fs::read_to_string(d.join("dust.bed")).unwrap();
    assert_eq!(dust.lines().count(), 1, "{dust}");
}

#[test]
fn make_windows_tiles_counts_and_splits() {
    let dir = tempdir();
    let d = dir.path();
    let a = format!(
        "{}{}{}",
        random_dna(250, 4),
        "N".repeat(100),
        "acgtACGTGG".repeat(5)
    );
    let b = random_dna(120, 5);
    let c = "N".repeat(90) + &random_dna(10, 6);
    write(
        d,
        "g.fa",
        &format!(
            ">a\n{}>b\n{}>c\n{}",
            wrap(&a, 80),
            wrap(&b, 33),
            wrap(&c, 50)
        ),
    );
    write(
        d,
        "splits.yaml",
        "genome: x\nsplits:\n  train: [a]\n  test: rest\n",
    );
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--config",
            "splits.yaml",
            "--size",
            "100",
            "-o",
            "w.parquet",
            "--bed",
            "w.bed",
        ],
    );
    let df = read_parquet(&d.join("w.parquet"));
    let bed = std::fs::read_to_string(d.join("w.bed")).unwrap();
    // a (400 bases: 250 random, 100 N, 50 half soft-masked): four tiles, two half N (kept
    // at --max-unknown 0.5); b: two tiles; c (90% N) is dropped.
    let want_bed = "a\t0\t100\ttrain\na\t100\t200\ttrain\na\t200\t300\ttrain\na\t300\t400\ttrain\nb\t0\t100\ttest\nb\t100\t120\ttest\n";
    assert_eq!(bed, want_bed);
    assert_eq!(df.height(), 6);
    let acgt: Vec<u64> = df
        .column("n_acgt")
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    // a[200..300] holds 50 random + 50 N; a[300..400] holds 50 N + 50 bases
    assert_eq!(acgt, vec![100, 100, 50, 50, 100, 20]);
    let rep: Vec<u64> = df
        .column("n_repeat")
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(rep, vec![0, 0, 0, 20, 0, 0]);
    let gc: Vec<f64> = df
        .column("gc")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let naive_gc = |s: &str| {
        s.bytes().filter(|b| b"GCgc".contains(b)).count() as f64
            / s.bytes().filter(|b| b"ACGTacgt".contains(b)).count() as f64
    };
    assert!((gc[0] - naive_gc(&a[..100])).abs() < 1e-12);
    assert!((gc[3] - naive_gc(&a[300..])).abs() < 1e-12);

    // flags override the config; a seeded share of train windows moves to valid
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--train",
            "a,b",
            "--valid-fraction",
            "0.5",
            "--seed",
            "3",
            "--size",
            "50",
            "-o",
            "v1.parquet",
        ],
    );
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--train",
            "a,b",
            "--valid-fraction",
            "0.5",
            "--seed",
            "3",
            "--size",
            "50",
            "-o",
            "v2.parquet",
        ],
    );
    let s1 = read_parquet(&d.join("v1.parquet"));
    let s2 = read_parquet(&d.join("v2.parquet"));
    assert!(s1.equals(&s2), "same seed, same windows");
    let splits: Vec<&str> = s1
        .column("split")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|x| x.unwrap())
        .collect();
    let n_valid = splits.iter().filter(|s| **s == "valid").count();
    // 9 train tiles of 50 (two all-N tiles of a dropped): round(0.5 * 9) = 5 move
    assert_eq!((n_valid, splits.len()), (5, 9), "{splits:?}");
    // --max-unknown 1 keeps the all-N window of a and of c
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--train",
            "rest",
            "--size",
            "100",
            "--max-unknown",
            "1",
            "-o",
            "all.parquet",
        ],
    );
    assert_eq!(read_parquet(&d.join("all.parquet")).height(), 7);
}

/// Naive central counts of every clean (2k+1)-window: (left+right, center) -> count.
fn naive_counts(seqs: &[String], k: usize, both: bool) -> HashMap<(String, char), u64> {
    let mut m = HashMap::new();
    for s in seqs {
        let b = s.to_ascii_uppercase().into_bytes();
        for p in k..b.len().saturating_sub(k) {
            let w = &b[p - k..=p + k];
            if !w.iter().all(|c| b"ACGT".contains(c)) {
                continue;
            }
            let mut add = |w: &[u8]| {
                let ctx = format!(
                    "{}{}",
                    String::from_utf8_lossy(&w[..k]),
                    String::from_utf8_lossy(&w[k + 1..])
                );
                *m.entry((ctx, w[k] as char)).or_insert(0) += 1;
            };
            add(w);
            if both {
                let rc: Vec<u8> = w
                    .iter()
                    .rev()
                    .map(|&c| match c {
                        b'A' => b'T',
                        b'C' => b'G',
                        b'G' => b'C',
                        _ => b'A',
                    })
                    .collect();
                add(&rc);
            }
        }
    }
    m
}

fn table_counts(path: &Path) -> HashMap<(String, char), u64> {
    let df = read_parquet(path);
    let l: Vec<&str> = df
        .column("left")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|x| x.unwrap())
        .collect();
    let r: Vec<&str> = df
        .column("right")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|x| x.unwrap())
        .collect();
    let mut m = HashMap::new();
    for (b, name) in ["count_A", "count_C", "count_G", "count_T"]
        .iter()
        .enumerate()
    {
        let c: Vec<u64> = df
            .column(name)
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        for i in 0..df.height() {
            if c[i] > 0 {
                m.insert((format!("{}{}", l[i], r[i]), b"ACGT"[b] as char), c[i]);
            }
        }
    }
    m
}

fn read_fasta(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('>') {
            out.push((name.to_string(), String::new()));
        } else {
            out.last_mut().unwrap().1.push_str(line.trim());
        }
    }
    out
}

#[test]
fn count_kmers_matches_naive_counts_and_shards_merge() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(celegans(), d.join("ce.fa")).unwrap();
    let recs = read_fasta(&d.join("ce.fa"));
    let small: Vec<String> = recs
        .iter()
        .filter(|(n, _)| n != "CHROMOSOME_I")
        .map(|(_, s)| s.clone())
        .collect();
    let names: Vec<&str> = recs
        .iter()
        .filter(|(n, _)| n != "CHROMOSOME_I")
        .map(|(n, _)| n.as_str())
        .collect();
    let names = names.join(",");
    for (k, both) in [(2, false), (3, true)] {
        let mut args = vec!["-g", "ce.fa", "--chrom", &names, "-o", "all.parquet"];
        let ks = k.to_string();
        args.extend(["-k", &ks]);
        if both {
            args.push("--both-strands");
        }
        ok(d, "count-kmers", &args);
        assert_eq!(
            table_counts(&d.join("all.parquet")),
            naive_counts(&small, k, both),
            "k={k} both={both}"
        );
    }
    // sparse table (tiny memory budget) gives the same counts
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "ce.fa",
            "--chrom",
            &names,
            "-k",
            "3",
            "--both-strands",
            "--memory-gb",
            "0",
            "-o",
            "sparse.parquet",
        ],
    );
    assert_eq!(
        table_counts(&d.join("sparse.parquet")),
        table_counts(&d.join("all.parquet"))
    );

    // windows: train = CHROMOSOME_II and _III; per-chromosome shards merge to the whole
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "ce.fa",
            "--train",
            "CHROMOSOME_II,CHROMOSOME_III",
            "--test",
            "rest",
            "--size",
            "1000",
            "-o",
            "w.parquet",
        ],
    );
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "ce.fa",
            "--windows",
            "w.parquet",
            "-k",
            "2",
            "-o",
            "train.parquet",
        ],
    );
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "ce.fa",
            "--windows",
            "w.parquet",
            "-k",
            "2",
            "--chrom",
            "CHROMOSOME_II",
            "-o",
            "s2.parquet",
        ],
    );
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "ce.fa",
            "--windows",
            "w.parquet",
            "-k",
            "2",
            "--chrom",
            "CHROMOSOME_III",
            "-o",
            "s3.parquet",
        ],
    );
    // a shard with no train windows is empty but valid
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "ce.fa",
            "--windows",
            "w.parquet",
            "-k",
            "2",
            "--chrom",
            "CHROMOSOME_X",
            "-o",
            "sx.parquet",
        ],
    );
    assert_eq!(read_parquet(&d.join("sx.parquet")).height(), 0);
    ok(
        d,
        "count-kmers",
        &[
            "--merge",
            "s2.parquet",
            "s3.parquet",
            "sx.parquet",
            "-o",
            "merged.parquet",
        ],
    );
    let train: Vec<String> = recs
        .iter()
        .filter(|(n, _)| n == "CHROMOSOME_II" || n == "CHROMOSOME_III")
        .map(|(_, s)| s.clone())
        .collect();
    assert_eq!(
        table_counts(&d.join("merged.parquet")),
        naive_counts(&train, 2, false)
    );
    assert_eq!(
        table_counts(&d.join("train.parquet")),
        table_counts(&d.join("merged.parquet"))
    );
}

#[test]
fn score_genome_metrics_match_naive_model() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::copy(celegans(), d.join("ce.fa")).unwrap();
    let recs = read_fasta(&d.join("ce.fa"));
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "ce.fa",
            "--train",
            "CHROMOSOME_I",
            "--test",
            "rest",
            "--size",
            "5000",
            "-o",
            "w.parquet",
        ],
    );
    ok(
        d,
        "count-kmers",
        &[
            "-g",
            "ce.fa",
            "--windows",
            "w.parquet",
            "-k",
            "3",
            "-o",
            "k3.parquet",
        ],
    );
    ok(
        d,
        "score-genome",
        &[
            "-g",
            "ce.fa",
            "-m",
            "k3.parquet",
            "--windows",
            "w.parquet",
            "--no-backoff",
            "--pseudocount",
            "0.5",
            "--tracks",
            "-o",
            "out",
        ],
    );
    // naive model: (n + a) / (N + 4a) over the train chromosome
    let train: Vec<String> = vec![recs[0].1.clone()];
    let counts = naive_counts(&train, 3, false);
    let a = 0.5;
    let (mut n, mut correct, mut bits) = (0u64, 0u64, 0f64);
    let mut per_chrom: HashMap<String, u64> = HashMap::new();
    // `rest` is primary sequence: the mitochondrion (CHROMOSOME_MtDNA) is left out
    for (name, s) in recs[1..].iter().filter(|(n, _)| n != "CHROMOSOME_MtDNA") {
        let b = s.as_bytes();
        for p in 3..b.len().saturating_sub(3) {
            let w = &b[p - 3..=p + 3];
            if !w.iter().all(|c| b"ACGT".contains(c)) {
                continue;
            }
            let ctx = format!(
                "{}{}",
                String::from_utf8_lossy(&w[..3]),
                String::from_utf8_lossy(&w[4..])
            );
            let c: Vec<f64> = "ACGT"
                .chars()
                .map(|x| *counts.get(&(ctx.clone(), x)).unwrap_or(&0) as f64)
                .collect();
            let total: f64 = c.iter().sum();
            let p_: Vec<f64> = c.iter().map(|x| (x + a) / (total + 4.0 * a)).collect();
            let mut best = 0;
            for i in 1..4 {
                if p_[i] > p_[best] {
                    best = i;
                }
            }
            let r = "ACGT".find(w[3] as char).unwrap();
            n += 1;
            correct += (best == r) as u64;
            bits -= p_[r].log2();
            *per_chrom.entry(name.clone()).or_default() += 1;
        }
    }
    let tsv = d.join("out/metrics.tsv");
    assert_eq!(metric(&tsv, "all", "all", "n"), n.to_string());
    let acc: f64 = metric(&tsv, "all", "all", "accuracy").parse().unwrap();
    let got_bits: f64 = metric(&tsv, "all", "all", "bits").parse().unwrap();
    assert!((acc - correct as f64 / n as f64).abs() < 1e-6, "{acc}");
    assert!((got_bits - bits / n as f64).abs() < 1e-5, "{got_bits}");
    for (chrom, cn) in per_chrom {
        assert_eq!(metric(&tsv, &chrom, "all", "n"), cn.to_string());
    }
    // no soft-masking in this genome: nothing is a repeat
    assert_eq!(metric(&tsv, "all", "repeat", "n"), "0");
    let files = listing(&d.join("out"));
    assert_eq!(
        files,
        vec![
            "calibration.parquet",
            "entropy.bw",
            "metrics.parquet",
            "metrics.tsv",
            "p_A.bw",
            "p_C.bw",
            "p_G.bw",
            "p_T.bw",
            "p_ref.bw"
        ]
    );
    // the confusion matrix sums to n
    let rows = read_tsv(&tsv);
    let all = rows
        .iter()
        .find(|r| r[0] == "all" && r[1] == "all")
        .unwrap();
    let conf: u64 = all[5..21].iter().map(|x| x.parse::<u64>().unwrap()).sum();
    assert_eq!(conf, n);

    // with backoff every A/C/G/T base of the regions is scored
    ok(
        d,
        "score-genome",
        &[
            "-g",
            "ce.fa",
            "-m",
            "k3.parquet",
            "--windows",
            "w.parquet",
            "-o",
            "bo",
        ],
    );
    let acgt: usize = recs[1..]
        .iter()
        .filter(|(n, _)| n != "CHROMOSOME_MtDNA")
        .map(|(_, s)| s.bytes().filter(|b| b"ACGT".contains(b)).count())
        .sum();
    assert_eq!(
        metric(&d.join("bo/metrics.tsv"), "all", "all", "n"),
        acgt.to_string()
    );

    // a BED of regions and --chrom
    write(
        d,
        "r.bed",
        "CHROMOSOME_II\t100\t200\nCHROMOSOME_X\t0\t50\nCHROMOSOME_II\t150\t300\n",
    );
    ok(
        d,
        "score-genome",
        &[
            "-g",
            "ce.fa",
            "-m",
            "k3.parquet",
            "--regions",
            "r.bed",
            "--chrom",
            "CHROMOSOME_II",
            "-o",
            "bed",
        ],
    );
    assert_eq!(metric(&d.join("bed/metrics.tsv"), "all", "all", "n"), "200");
    assert!(
        read_tsv(&d.join("bed/metrics.tsv"))
            .iter()
            .all(|r| r[0] != "CHROMOSOME_X")
    );
}

#[test]
fn crlf_and_ragged_lines_give_the_same_results() {
    let dir = tempdir();
    let d = dir.path();
    let seqs = [
        random_dna(3000, 7),
        random_dna(2000, 8) + "NNNN" + &random_dna(500, 9),
    ];
    let plain = format!(">x\n{}>y\n{}", wrap(&seqs[0], 60), wrap(&seqs[1], 60));
    let crlf = plain.replace('\n', "\r\n");
    // ragged: lines of varying width
    let mut ragged = String::new();
    for (name, s) in [("x", &seqs[0]), ("y", &seqs[1])] {
        ragged.push_str(&format!(">{name} some description\n"));
        let mut i = 0;
        let mut w = 1;
        while i < s.len() {
            let e = (i + w).min(s.len());
            ragged.push_str(&s[i..e]);
            ragged.push('\n');
            i = e;
            w = w % 97 + 13;
        }
    }
    write(d, "r.bed", "x\t0\t3000\ny\t0\t2504\n");
    let mut outputs = Vec::new();
    for (name, text) in [
        ("plain.fa", &plain),
        ("crlf.fa", &crlf),
        ("ragged.fa", &ragged),
    ] {
        write(d, name, text);
        let out = format!("{name}.parquet");
        ok(d, "count-kmers", &["-g", name, "-k", "2", "-o", &out]);
        let mtsv = format!("{name}.scores");
        ok(
            d,
            "score-genome",
            &["-g", name, "-m", &out, "--regions", "r.bed", "-o", &mtsv],
        );
        outputs.push((
            table_counts(&d.join(&out)),
            std::fs::read_to_string(d.join(&mtsv).join("metrics.tsv")).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn every_tool_has_help_and_version() {
    for name in [
        "mask-repeats",
        "make-windows",
        "count-kmers",
        "score-genome",
    ] {
        let out = std::process::Command::new(bin(name))
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("Example"),
            "{name} --help: {text}"
        );
        let out = std::process::Command::new(bin(name))
            .arg("--version")
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    }
}
