//! explain-flanks end to end on the real S. aureus genome with a k-mer model: one row per band
//! and disturbance, the nearest bases matter most, and bad bands fail cleanly.

mod common;
use common::*;

fn rows(path: &std::path::Path) -> Vec<(String, usize, usize, u64, f64, f64, f64)> {
    read_tsv(path)[1..]
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                r[1].parse().unwrap(),
                r[2].parse().unwrap(),
                r[3].parse().unwrap(),
                r[4].parse().unwrap(),
                r[6].parse().unwrap(),
                r[7].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn explain_flanks_rows_and_the_inner_flank_matters_most() {
    let dir = tempdir();
    let d = dir.path();
    saureus_into(d);
    ok(
        d,
        "count-kmers",
        &["-g", "s.fa.gz", "-k", "4", "-o", "k4.parquet"],
    );
    write(d, "r.bed", "NC_007795\t0\t2000000\n");
    ok(
        d,
        "explain-flanks",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k4.parquet",
            "--regions",
            "r.bed",
            "--positions",
            "5000",
            "--bands",
            "1,2,4,1-4",
            "-o",
            "f.parquet",
        ],
    );
    assert!(d.join("f.parquet").exists());
    let t = rows(&d.join("f.tsv"));
    let keys: Vec<(String, usize, usize)> = t.iter().map(|r| (r.0.clone(), r.1, r.2)).collect();
    let k = |m: &str, a, b| (m.to_string(), a, b);
    // Shuffling one base a side changes nothing, so those rows are left out.
    assert_eq!(
        keys,
        vec![
            k("none", 0, 0),
            k("random", 1, 1),
            k("random", 2, 2),
            k("random", 4, 4),
            k("shuffle", 1, 4),
            k("random", 1, 4)
        ]
    );
    // Positions with a known base, drawn from the region; the same for every row.
    assert!(t.iter().all(|r| r.3 == t[0].3) && t[0].3 > 4900 && t[0].3 <= 5000);
    let base = t[0].4;
    assert!(base > 0.35 && base < 0.7, "baseline accuracy {base}");
    let delta = |m: &str, a, b| {
        t.iter()
            .find(|r| (r.0.as_str(), r.1, r.2) == (m, a, b))
            .unwrap()
            .5
    };
    // Disturbing hurts, the nearest base most, and all four distances more than any one.
    assert!(
        delta("random", 1, 1) < delta("random", 4, 4),
        "d=1 should matter more than d=4"
    );
    assert!(delta("random", 4, 4) < 0.0);
    assert!(delta("random", 1, 4) < delta("random", 1, 1));
    assert!(delta("shuffle", 1, 4) < 0.0);
    for r in &t[1..] {
        assert!(
            r.6 > 0.0,
            "bits should rise when the flank is disturbed: {r:?}"
        );
    }
    // The same seed gives the same table.
    ok(
        d,
        "explain-flanks",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k4.parquet",
            "--regions",
            "r.bed",
            "--positions",
            "5000",
            "--bands",
            "1,2,4,1-4",
            "-o",
            "g.parquet",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(d.join("f.tsv")).unwrap(),
        std::fs::read_to_string(d.join("g.tsv")).unwrap()
    );
}

#[test]
fn explain_flanks_bad_bands_fail_and_write_nothing() {
    let dir = tempdir();
    let d = dir.path();
    saureus_into(d);
    ok(
        d,
        "count-kmers",
        &["-g", "s.fa.gz", "-k", "2", "-o", "k2.parquet"],
    );
    write(d, "r.bed", "NC_007795\t0\t100000\n");
    let before = listing(d);
    let args = |bands: &'static str| {
        vec![
            "-g",
            "s.fa.gz",
            "-m",
            "k2.parquet",
            "--regions",
            "r.bed",
            "--bands",
            bands,
            "-o",
            "f.parquet",
        ]
    };
    let err = fails(d, "explain-flanks", &args("1,3"));
    assert!(err.contains("beyond the model's flank (2)"), "{err}");
    let err = fails(d, "explain-flanks", &args("2-1"));
    assert!(err.contains("band '2-1'"), "{err}");
    let err = fails(d, "explain-flanks", &args("x"));
    assert!(err.contains("not a number"), "{err}");
    write(d, "empty.bed", "");
    let err = fails(
        d,
        "explain-flanks",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k2.parquet",
            "--regions",
            "empty.bed",
            "-o",
            "f.parquet",
        ],
    );
    assert!(err.contains("no position"), "{err}");
    let mut after = listing(d);
    after.retain(|f| f != "empty.bed");
    assert_eq!(before, after, "nothing written");
}
