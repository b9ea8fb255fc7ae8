//! The cross-check of issue 2: the plain k-mer model (pseudocount 1, no backoff), trained on
//! chr_1..chr_7 of the demo genome and tested on chr_8..chr_21, reproduces the independent
//! reference table in data/README.md to 4 decimals, for k = 3..6.

mod common;
use common::*;

#[test]
fn kmer_model_matches_reference_table() {
    let dir = tempdir();
    let d = dir.path();
    let genome = demo_genome();
    let g = genome.to_str().unwrap();
    ok(d, "mask-repeats", &["-g", g, "-o", "soft.bed"]);
    ok(
        d,
        "make-windows",
        &[
            "-g",
            g,
            "--train",
            "chr_1,chr_2,chr_3,chr_4,chr_5,chr_6,chr_7",
            "--test",
            "rest",
            "--max-unknown",
            "1",
            "-o",
            "windows.parquet",
        ],
    );
    // k, accuracy, bits, repeat accuracy, non-repeat accuracy
    let table = [
        (3, "0.3351", "1.9475", "0.3312", "0.3361"),
        (4, "0.3497", "1.9264", "0.3927", "0.3381"),
        (5, "0.3688", "1.9145", "0.5591", "0.3176"),
        (6, "0.3695", "1.8697", "0.6893", "0.2835"),
    ];
    for (k, acc, bits, rep, nonrep) in table {
        let model = format!("k{k}.parquet");
        let out = format!("scores{k}");
        ok(
            d,
            "count-kmers",
            &[
                "-g",
                g,
                "--windows",
                "windows.parquet",
                "--split",
                "train",
                "-k",
                &k.to_string(),
                "-o",
                &model,
            ],
        );
        ok(
            d,
            "score-genome",
            &[
                "-g",
                g,
                "--model",
                &model,
                "--windows",
                "windows.parquet",
                "--split",
                "test",
                "--repeats",
                "soft.bed",
                "--no-backoff",
                "--pseudocount",
                "1",
                "-o",
                &out,
            ],
        );
        let tsv = d.join(&out).join("metrics.tsv");
        let four = |class: &str, col: &str| {
            let v: f64 = metric(&tsv, "all", class, col).parse().unwrap();
            format!("{v:.4}")
        };
        assert_eq!(four("all", "accuracy"), acc, "k={k} accuracy");
        assert_eq!(four("all", "bits"), bits, "k={k} bits");
        assert_eq!(four("repeat", "accuracy"), rep, "k={k} repeat accuracy");
        assert_eq!(
            four("non_repeat", "accuracy"),
            nonrep,
            "k={k} non-repeat accuracy"
        );
    }
}
