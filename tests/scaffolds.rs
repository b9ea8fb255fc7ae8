//! A fragmented assembly end to end: 100,000 scaffolds of 60 real bases (soft-masked yeast
//! chrI cut end to end, then S. aureus cut every 28 bases) through mask-repeats --dust,
//! make-windows, count-kmers and score-genome. Every tool must be linear in the number of
//! contigs; bench/scaffolds.sh times them, this test checks what they write.

mod common;
use common::*;

use std::io::Read;
use std::path::Path;

use dnactx::genome::EncodedSeq;
use dnactx::repeats::{DustParams, dust};
use polars::prelude::*;

const SCAFFOLDS: usize = 100_000;
const LEN: usize = 60;
const K: usize = 3;

/// The bases of the first record of a gzip FASTA, case kept.
fn read_gz(path: &Path) -> Vec<u8> {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .skip(1)
        .take_while(|l| !l.starts_with('>'))
        .flat_map(|l| l.trim_end().bytes())
        .collect()
}

fn scaffolds() -> Vec<(String, Vec<u8>)> {
    let yeast = read_gz(&yeast());
    let saureus = read_gz(&repo().join("tests/data/saureus_NCTC8325.fa.gz"));
    let cut_yeast = yeast.chunks_exact(LEN).map(<[u8]>::to_vec);
    let cut_saureus = (0..)
        .map(|i| i * 28)
        .take_while(|s| s + LEN <= saureus.len())
        .map(|s| saureus[s..s + LEN].to_vec());
    let all: Vec<_> = cut_yeast
        .chain(cut_saureus)
        .take(SCAFFOLDS)
        .enumerate()
        .map(|(i, seq)| (format!("scaf_{i:06}"), seq))
        .collect();
    assert_eq!(all.len(), SCAFFOLDS);
    all
}

/// Centers whose 2k+1 window lies in the scaffold and holds A, C, G, T only.
fn valid_centers(seq: &[u8]) -> Vec<usize> {
    (K..seq.len().saturating_sub(K))
        .filter(|&c| seq[c - K..=c + K].iter().all(|b| b"ACGTacgt".contains(b)))
        .collect()
}

/// The expected mask-repeats BED: runs of bases that are lowercase (bit 0) or in a DUST
/// interval of the scaffold alone (bit 1), each labelled with the union over the run.
fn expected_bed(scaffolds: &[(String, Vec<u8>)]) -> String {
    let mut out = String::new();
    for (name, seq) in scaffolds {
        let mut bits: Vec<u32> = seq.iter().map(|b| b.is_ascii_lowercase() as u32).collect();
        let codes = EncodedSeq::from_ascii(seq).unwrap();
        for (s, e) in dust(codes.codes(), DustParams::default()) {
            bits[s as usize..e as usize]
                .iter_mut()
                .for_each(|b| *b |= 2);
        }
        let mut i = 0;
        while i < LEN {
            if bits[i] == 0 {
                i += 1;
                continue;
            }
            let start = i;
            let mut label = 0;
            while i < LEN && bits[i] != 0 {
                label |= bits[i];
                i += 1;
            }
            let names = match label {
                1 => "softmask",
                2 => "dust",
                _ => "softmask,dust",
            };
            out.push_str(&format!("{name}\t{start}\t{i}\t{names}\n"));
        }
    }
    out
}

/// A command line's arguments, split at spaces.
fn words(line: &str) -> Vec<&str> {
    line.split(' ').collect()
}

fn column_sum(df: &DataFrame, name: &str) -> u64 {
    df.column(name)
        .unwrap()
        .cast(&DataType::UInt64)
        .unwrap()
        .u64()
        .unwrap()
        .sum()
        .unwrap_or(0)
}

#[test]
fn hundred_thousand_scaffolds_end_to_end() {
    let dir = tempdir();
    let d = dir.path();
    let scaffolds = scaffolds();
    let fasta: String = scaffolds
        .iter()
        .map(|(n, s)| format!(">{n}\n{}\n", std::str::from_utf8(s).unwrap()))
        .collect();
    write(d, "g.fa", &fasta);

    ok(
        d,
        "mask-repeats",
        &["-g", "g.fa", "--dust", "-o", "rep.bed"],
    );
    let bed = std::fs::read_to_string(d.join("rep.bed")).unwrap();
    let want = expected_bed(&scaffolds);
    assert!(want.contains("\tdust\n") && want.contains("\tsoftmask\n"));
    assert_eq!(bed, want);

    // Half the scaffolds train, the rest test; one window per scaffold.
    let (train, test) = scaffolds.split_at(SCAFFOLDS / 2);
    let names: Vec<&str> = train.iter().map(|(n, _)| n.as_str()).collect();
    let config = format!("splits:\n  train: [{}]\n  test: rest\n", names.join(", "));
    write(d, "splits.yaml", &config);
    ok(
        d,
        "make-windows",
        &words("-g g.fa --config splits.yaml --size 1000 -o w.parquet --bed w.bed"),
    );
    let windows = std::fs::read_to_string(d.join("w.bed")).unwrap();
    let want_windows: String = scaffolds
        .iter()
        .enumerate()
        .map(|(i, (n, _))| {
            let split = if i < SCAFFOLDS / 2 { "train" } else { "test" };
            format!("{n}\t0\t{LEN}\t{split}\n")
        })
        .collect();
    assert_eq!(windows, want_windows);

    let count = format!("-g g.fa --windows w.parquet -k {K} -o k.parquet");
    ok(d, "count-kmers", &words(&count));
    let table = ParquetReader::new(std::fs::File::open(d.join("k.parquet")).unwrap())
        .finish()
        .unwrap();
    let counted: u64 = ["count_A", "count_C", "count_G", "count_T"]
        .iter()
        .map(|c| column_sum(&table, c))
        .sum();
    let train_centers: usize = train.iter().map(|(_, s)| valid_centers(s).len()).sum();
    assert_eq!(counted, train_centers as u64);

    ok(
        d,
        "score-genome",
        &words(
            "-g g.fa --model k.parquet --windows w.parquet --repeats rep.bed --no-backoff --pseudocount 1 -o scores",
        ),
    );
    let tsv = d.join("scores/metrics.tsv");
    let test_centers: usize = test.iter().map(|(_, s)| valid_centers(s).len()).sum();
    let repeat_centers = repeat_centers(&bed, test);
    assert_eq!(metric(&tsv, "all", "all", "n"), test_centers.to_string());
    assert_eq!(
        metric(&tsv, "all", "repeat", "n"),
        repeat_centers.to_string()
    );
    // one row per scaffold for the base (the pair and type rows repeat them)
    let per_scaffold = read_tsv(&tsv)
        .iter()
        .filter(|r| {
            r[1] == "all" && r[0].starts_with("scaf_") && r.last().is_some_and(|t| t == "base")
        })
        .count();
    assert_eq!(per_scaffold, test.len());
}

/// Valid test centers inside an interval of the repeat BED.
fn repeat_centers(bed: &str, test: &[(String, Vec<u8>)]) -> usize {
    let mut intervals: std::collections::HashMap<&str, Vec<(usize, usize)>> = Default::default();
    for line in bed.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        intervals
            .entry(f[0])
            .or_default()
            .push((f[1].parse().unwrap(), f[2].parse().unwrap()));
    }
    test.iter()
        .map(|(n, s)| {
            let ivs = intervals.get(n.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            valid_centers(s)
                .into_iter()
                .filter(|&c| ivs.iter().any(|&(a, b)| a <= c && c < b))
                .count()
        })
        .sum()
}
