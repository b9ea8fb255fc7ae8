//! Helpers for the end-to-end tests: run a binary in a temporary folder, read its outputs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin(name: &str) -> PathBuf {
    match name {
        "mask-repeats" => env!("CARGO_BIN_EXE_mask-repeats").into(),
        "make-windows" => env!("CARGO_BIN_EXE_make-windows").into(),
        "count-kmers" => env!("CARGO_BIN_EXE_count-kmers").into(),
        "score-genome" => env!("CARGO_BIN_EXE_score-genome").into(),
        "score-variants" => env!("CARGO_BIN_EXE_score-variants").into(),
        "merge-scores" => env!("CARGO_BIN_EXE_merge-scores").into(),
        "explain-flanks" => env!("CARGO_BIN_EXE_explain-flanks").into(),
        "index-genome" => env!("CARGO_BIN_EXE_index-genome").into(),
        "query-index" => env!("CARGO_BIN_EXE_query-index").into(),
        #[cfg(feature = "torch")]
        "train-model" => env!("CARGO_BIN_EXE_train-model").into(),
        other => panic!("unknown binary {other}"),
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_genome() -> PathBuf {
    repo().join("data/ztritici_IPO323.fa.gz")
}

pub fn yeast() -> PathBuf {
    repo().join("tests/data/yeast_R64_chrI.fa.gz")
}

/// Copies a bgzip genome with its `.fai` and `.gzi` into `dir` as `name`.
pub fn copy_indexed(genome: &Path, dir: &Path, name: &str) {
    for ext in ["", ".fai", ".gzi"] {
        let src = format!("{}{ext}", genome.display());
        std::fs::copy(src, dir.join(format!("{name}{ext}"))).unwrap();
    }
}

/// The S. aureus genome and its 109 real variants, copied into `dir` as s.fa.gz and v.vcf.gz.
pub fn saureus_into(dir: &Path) {
    for ext in ["", ".fai", ".gzi"] {
        std::fs::copy(
            repo().join(format!("tests/data/saureus_NCTC8325.fa.gz{ext}")),
            dir.join(format!("s.fa.gz{ext}")),
        )
        .unwrap();
    }
    std::fs::copy(
        repo().join("tests/data/saureus_NCTC8325.variants.vcf.gz"),
        dir.join("v.vcf.gz"),
    )
    .unwrap();
}

pub fn celegans() -> PathBuf {
    repo().join("tests/data/celegans_htslib_test.fa")
}

/// Runs `name` with `args` in `dir`, quietly.
pub fn run(dir: &Path, name: &str, args: &[&str]) -> Output {
    Command::new(bin(name))
        .args(args)
        .arg("-q")
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

/// Runs and asserts success, returning stderr.
pub fn ok(dir: &Path, name: &str, args: &[&str]) -> String {
    let out = run(dir, name, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name} {args:?} failed: {err}");
    err
}

/// Runs and asserts failure, returning stderr.
pub fn fails(dir: &Path, name: &str, args: &[&str]) -> String {
    let out = run(dir, name, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "{name} {args:?} should fail but succeeded"
    );
    assert!(
        err.starts_with("error: "),
        "message should start with 'error: ': {err}"
    );
    err
}

/// Files in `dir`, sorted (hidden temporaries included).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Reads a TSV into rows of columns, header included.
pub fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// The metrics row for `chrom` and `class` as a column-name lookup.
pub fn metric(tsv: &Path, chrom: &str, class: &str, column: &str) -> String {
    let rows = read_tsv(tsv);
    let col = rows[0].iter().position(|c| c == column).expect("column");
    rows.iter()
        .find(|r| r[0] == chrom && r[1] == class)
        .unwrap_or_else(|| panic!("no row {chrom}/{class}"))[col]
        .clone()
}

/// Writes a file in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}
