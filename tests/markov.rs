//! The FM-index (bidirectional Markov) model end to end: its counts against count-kmers'
//! tables, leave-one-out and strand symmetry through score-genome, and bad input.

mod common;
use common::*;

use std::path::Path;

use dnactx::genome::Genome;
use dnactx::kmer::context::context_strings;
use dnactx::kmer::table;
use dnactx::markov::FmdIndex;

/// A genome of real sequence (yeast chrI) cut into three contigs, with N runs and single
/// Ns inside, so runs break and contexts near them are dropped by both tools.
fn write_cut_yeast(dir: &Path) -> std::path::PathBuf {
    let g = Genome::open(&yeast()).unwrap();
    let seq = g.fetch("chrI").unwrap().to_ascii();
    let mut a = seq[..60_000].to_vec();
    a[1000] = b'N';
    a[30_000..30_050].fill(b'N');
    let b = seq[60_000..140_000].to_vec();
    let mut c = seq[140_000..].to_vec();
    c[5] = b'N';
    let mut text = Vec::new();
    for (name, s) in [("a", a), ("b", b), ("c", c)] {
        text.extend_from_slice(format!(">{name}\n").as_bytes());
        for line in s.chunks(60) {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
    }
    let path = dir.join("y.fa");
    std::fs::write(&path, text).unwrap();
    path
}

fn codes(s: &str) -> Vec<u8> {
    s.bytes()
        .map(|b| match b {
            b'A' => 0,
            b'C' => 1,
            b'G' => 2,
            _ => 3,
        })
        .collect()
}

#[test]
fn index_counts_equal_count_kmers_both_strands_for_every_context() {
    let dir = tempdir();
    let d = dir.path();
    write_cut_yeast(d);
    ok(d, "index-genome", &["-g", "y.fa", "-o", "y.fmd"]);
    let idx = FmdIndex::load(&d.join("y.fmd")).unwrap();
    assert_eq!(idx.meta.genome, "y.fa");
    assert_eq!(idx.meta.chroms, "a,b,c");
    for k in 1..=6usize {
        let out = format!("k{k}.parquet");
        ok(
            d,
            "count-kmers",
            &[
                "-g",
                "y.fa",
                "-k",
                &k.to_string(),
                "--both-strands",
                "-o",
                &out,
            ],
        );
        let (mut t, meta) = table::read_model(&d.join(&out), u64::MAX).unwrap();
        assert_eq!(meta.k, k);
        t.normalize();
        let mut total = 0u64;
        for (ctx, counts) in t.observed() {
            let (l, r) = context_strings(ctx, k);
            for (b, &n) in counts.iter().enumerate() {
                let s = format!("{l}{}{r}", "ACGT".as_bytes()[b] as char);
                assert_eq!(idx.count(&codes(&s)), n, "k = {k}, {s}");
                total += n;
            }
        }
        // every window of the index is a context count-kmers saw: nothing left over
        let windows: u64 = idx
            .runs()
            .iter()
            .map(|r| 2 * (r.end - r.start).saturating_sub(2 * k as u64))
            .sum();
        assert_eq!(total, windows, "k = {k}");
    }
}

#[test]
fn scoring_with_an_index_is_strand_symmetric_and_leaves_one_out() {
    let dir = tempdir();
    let d = dir.path();
    copy_indexed(&yeast(), d, "y.fa.gz");
    write(d, "all.bed", "chrI\t0\t230218\n");
    ok(d, "index-genome", &["-g", "y.fa.gz", "-o", "y.fmd"]);
    let score = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "-g",
            "y.fa.gz",
            "-m",
            "y.fmd",
            "--max-order",
            "8",
            "--regions",
            "all.bed",
            "-o",
            out,
        ];
        args.extend_from_slice(extra);
        ok(d, "score-genome", &args);
        let tsv = d.join(out).join("metrics.tsv");
        (
            metric(&tsv, "all", "all", "accuracy")
                .parse::<f64>()
                .unwrap(),
            metric(&tsv, "all", "all", "bits").parse::<f64>().unwrap(),
        )
    };
    let loo = score("loo", &[]);
    let rc = score("rc", &["--rc-average"]);
    let seen = score("seen", &["--no-leave-one-out"]);
    // both strands are indexed: the reverse complement's prediction is the same
    assert!(
        (loo.0 - rc.0).abs() < 1e-4 && (loo.1 - rc.1).abs() < 1e-4,
        "{loo:?} {rc:?}"
    );
    // in-sample without leave-one-out is optimistic; with it, near a held-out score
    assert!(
        seen.0 > loo.0 + 0.1 && seen.1 < loo.1 - 0.5,
        "{seen:?} vs {loo:?}"
    );
    assert!(loo.0 > 0.3 && loo.0 < 0.5, "{loo:?}");
}

#[test]
fn bad_index_input_is_refused_by_name() {
    let dir = tempdir();
    let d = dir.path();
    copy_indexed(&yeast(), d, "y.fa.gz");
    write(
        d,
        "other.fa",
        ">chrI\nACGTACGTAAACCCGGGTTTACGATCGATCGTAGCTAGCTAG\n",
    );
    write(d, "r.bed", "chrI\t0\t40\n");
    ok(d, "index-genome", &["-g", "y.fa.gz", "-o", "y.fmd"]);
    // another genome: refused unless asked for, then scored without leave-one-out
    let err = fails(
        d,
        "score-genome",
        &[
            "-g",
            "other.fa",
            "-m",
            "y.fmd",
            "--regions",
            "r.bed",
            "-o",
            "s",
        ],
    );
    assert!(
        err.contains("y.fmd") && err.contains("another genome") && err.contains("--other-genome"),
        "{err}"
    );
    ok(
        d,
        "score-genome",
        &[
            "-g",
            "other.fa",
            "-m",
            "y.fmd",
            "--regions",
            "r.bed",
            "--other-genome",
            "-o",
            "s",
        ],
    );
    // orders beyond the supported range
    for (flag, v, needle) in [
        ("--max-order", "17", "1..=16"),
        ("--max-order", "0", "1..=16"),
        ("--alpha", "0", "alpha"),
        ("--min-order", "17", "min order"),
    ] {
        let err = fails(
            d,
            "score-genome",
            &[
                "-g",
                "y.fa.gz",
                "-m",
                "y.fmd",
                "--regions",
                "r.bed",
                flag,
                v,
                "-o",
                "s2",
            ],
        );
        assert!(
            err.contains(needle) && err.contains("y.fmd"),
            "{flag} {v}: {err}"
        );
    }
    // truncated and damaged files
    let bytes = std::fs::read(d.join("y.fmd")).unwrap();
    std::fs::write(d.join("cut.fmd"), &bytes[..bytes.len() / 2]).unwrap();
    let err = fails(
        d,
        "score-genome",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "cut.fmd",
            "--regions",
            "r.bed",
            "-o",
            "s3",
        ],
    );
    assert!(
        err.contains("cut.fmd") && err.contains("truncated"),
        "{err}"
    );
    let mut bad = bytes.clone();
    let at = bad.len() - 5000;
    bad[at] ^= 1;
    std::fs::write(d.join("bad.fmd"), &bad).unwrap();
    let err = fails(
        d,
        "query-index",
        &[
            "-g",
            "y.fa.gz",
            "-m",
            "bad.fmd",
            "--regions",
            "r.bed",
            "-o",
            "q.tsv",
        ],
    );
    assert!(err.contains("bad.fmd") && err.contains("damaged"), "{err}");
    std::fs::write(d.join("tiny.fmd"), b"DNACTXFM").unwrap();
    let err = fails(
        d,
        "score-variants",
        &[
            "-g", "y.fa.gz", "-m", "tiny.fmd", "-i", "v.vcf", "-o", "o.vcf",
        ],
    );
    assert!(err.contains("tiny.fmd"), "{err}");
    // nothing to index
    write(d, "n.fa", ">n\nNNNNNNNNNN\n");
    let err = fails(d, "index-genome", &["-g", "n.fa", "-o", "n.fmd"]);
    assert!(err.contains("nothing to index"), "{err}");
    assert!(!d.join("n.fmd").exists());
}

#[test]
fn score_variants_and_explain_flanks_take_an_index() {
    let dir = tempdir();
    let d = dir.path();
    saureus_into(d);
    ok(d, "index-genome", &["-g", "s.fa.gz", "-o", "s.fmd"]);
    ok(
        d,
        "score-variants",
        &[
            "-g", "s.fa.gz", "-m", "s.fmd", "-i", "v.vcf.gz", "-o", "out.vcf",
        ],
    );
    let vcf = std::fs::read_to_string(d.join("out.vcf")).unwrap();
    let scored = vcf
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("DNACTX_P_REF="))
        .count();
    assert!(scored > 50, "{scored} records scored");
    assert!(
        vcf.contains("model_kind=markov") || vcf.contains("s.fmd"),
        "provenance"
    );
    write(d, "sites.bed", "NC_007795\t100000\t101000\n");
    ok(
        d,
        "explain-flanks",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "s.fmd",
            "--max-order",
            "10",
            "--regions",
            "sites.bed",
            "--positions",
            "200",
            "-o",
            "ex.parquet",
        ],
    );
    assert!(d.join("ex.parquet").exists() && d.join("ex.tsv").exists());
}
