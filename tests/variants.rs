//! score-variants end to end on the real S. aureus genome and its 109 real variants: every
//! record and header line kept, SNVs scored as a naive k-mer model says, non-SNVs flagged,
//! and bad input failing cleanly.

mod common;
use common::*;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

fn gunzip(path: &Path) -> String {
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

fn genome_seq(d: &Path) -> Vec<u8> {
    gunzip(&d.join("s.fa.gz"))
        .lines()
        .filter(|l| !l.starts_with('>'))
        .flat_map(|l| l.trim().bytes())
        .collect()
}

/// Counts of one order: (left, right) context to counts of A, C, G, T.
type OrderCounts = HashMap<(Vec<u8>, Vec<u8>), [f64; 4]>;

/// Naive k-mer model with backoff, straight from the formula in docs/cli.md ("The k-mer model").
struct Naive {
    k: usize,
    counts: Vec<OrderCounts>,
    a: f64,
}

impl Naive {
    fn new(seq: &[u8], k: usize, a: f64) -> Naive {
        let mut counts = vec![HashMap::new(); k + 1];
        for p in k..seq.len() - k {
            let w = &seq[p - k..=p + k];
            if !w.iter().all(|c| b"ACGT".contains(c)) {
                continue;
            }
            let b = b"ACGT".iter().position(|&x| x == seq[p]).unwrap();
            for j in 0..=k {
                let e = counts[j]
                    .entry((seq[p - j..p].to_vec(), seq[p + 1..=p + j].to_vec()))
                    .or_insert([0.0; 4]);
                e[b] += 1.0;
            }
        }
        Naive { k, counts, a }
    }

    fn prob(&self, l: &[u8], r: &[u8]) -> [f64; 4] {
        let j = l.len();
        let prior = if j == 0 {
            [0.25; 4]
        } else {
            self.prob(&l[1..], &r[..j - 1])
        };
        let c = self.counts[j]
            .get(&(l.to_vec(), r.to_vec()))
            .copied()
            .unwrap_or([0.0; 4]);
        let n: f64 = c.iter().sum();
        std::array::from_fn(|b| (c[b] + 4.0 * self.a * prior[b]) / (n + 4.0 * self.a))
    }

    fn at(&self, seq: &[u8], p: usize) -> [f64; 4] {
        let k = self.k;
        self.prob(&seq[p - k..p], &seq[p + 1..=p + k])
    }
}

fn info(line: &str, key: &str) -> Option<String> {
    line.split('\t')
        .nth(7)?
        .split(';')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[test]
fn every_record_kept_and_snvs_scored_like_the_naive_model() {
    let dir = tempdir();
    let d = dir.path();
    saureus_into(d);
    ok(
        d,
        "count-kmers",
        &["-g", "s.fa.gz", "-k", "3", "-o", "k3.parquet"],
    );
    let err = ok(
        d,
        "score-variants",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k3.parquet",
            "-i",
            "v.vcf.gz",
            "-o",
            "out.vcf",
            "--parquet",
            "out.parquet",
        ],
    );
    assert!(err.is_empty() || !err.contains("error"), "{err}");
    let input = gunzip(&d.join("v.vcf.gz"));
    let output = std::fs::read_to_string(d.join("out.vcf")).unwrap();
    // every input header line and record is kept (the records gain INFO fields)
    for h in input.lines().filter(|l| l.starts_with("##")) {
        assert!(output.contains(h), "header line lost: {h}");
    }
    for id in [
        "DNACTX_P_REF",
        "DNACTX_P_ALT",
        "DNACTX_LLR",
        "DNACTX_PRED",
        "DNACTX_ENTROPY",
        "DNACTX_NOT_SNV",
        "DNACTX_REF_MISMATCH",
    ] {
        assert!(
            output.contains(&format!("##INFO=<ID={id},")),
            "{id} not declared"
        );
    }
    let inputs: Vec<&str> = input.lines().filter(|l| !l.starts_with('#')).collect();
    let outputs: Vec<&str> = output.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(inputs.len(), 109);
    assert_eq!(outputs.len(), 109);
    let seq = genome_seq(d);
    let naive = Naive::new(&seq, 3, 4.0);
    let (mut snvs, mut others) = (0, 0);
    for (i, o) in inputs.iter().zip(&outputs) {
        let a: Vec<&str> = i.split('\t').collect();
        let b: Vec<&str> = o.split('\t').collect();
        assert_eq!(a[..7], b[..7], "columns 1-7 unchanged");
        let pos: usize = a[1].parse::<usize>().unwrap() - 1;
        if a[3].len() == 1 && a[4].len() == 1 {
            snvs += 1;
            let p = naive.at(&seq, pos);
            let (r, x) = (
                b"ACGT"
                    .iter()
                    .position(|&c| c == a[3].as_bytes()[0])
                    .unwrap(),
                b"ACGT"
                    .iter()
                    .position(|&c| c == a[4].as_bytes()[0])
                    .unwrap(),
            );
            let llr: f64 = info(o, "DNACTX_LLR").unwrap().parse().unwrap();
            assert!(
                (llr - (p[x].log2() - p[r].log2())).abs() < 1e-4,
                "{o}: {llr} vs {p:?}"
            );
            let p_ref: f64 = info(o, "DNACTX_P_REF").unwrap().parse().unwrap();
            assert!((p_ref - p[r]).abs() < 1e-5);
            assert!(!o.contains("DNACTX_NOT_SNV"));
        } else {
            others += 1;
            assert!(
                o.contains("DNACTX_NOT_SNV") && info(o, "DNACTX_LLR").is_none(),
                "{o}"
            );
        }
    }
    assert_eq!((snvs, others), (77, 32));
}

#[test]
fn bcf_and_bgzip_outputs_with_indexes_and_regions() {
    let dir = tempdir();
    let d = dir.path();
    saureus_into(d);
    ok(
        d,
        "count-kmers",
        &["-g", "s.fa.gz", "-k", "2", "-o", "k2.parquet"],
    );
    ok(
        d,
        "score-variants",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k2.parquet",
            "-i",
            "v.vcf.gz",
            "-o",
            "o.bcf",
            "--index",
        ],
    );
    assert!(d.join("o.bcf.csi").is_file());
    ok(
        d,
        "score-variants",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k2.parquet",
            "-i",
            "v.vcf.gz",
            "-o",
            "o.vcf.gz",
            "--index",
        ],
    );
    assert!(d.join("o.vcf.gz.tbi").is_file());
    // the indexed output can be queried by region
    ok(
        d,
        "score-variants",
        &[
            "-g",
            "s.fa.gz",
            "-m",
            "k2.parquet",
            "-i",
            "o.vcf.gz",
            "--region",
            "NC_007795:1-100000",
            "-o",
            "r.vcf",
        ],
    );
    let text = std::fs::read_to_string(d.join("r.vcf")).unwrap();
    let n = text.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(n, 4, "records in 1..100000");
}

#[test]
fn bad_variant_input_fails_cleanly_or_is_flagged() {
    let dir = tempdir();
    let d = dir.path();
    saureus_into(d);
    ok(
        d,
        "count-kmers",
        &["-g", "s.fa.gz", "-k", "2", "-o", "k2.parquet"],
    );
    let base = ["-g", "s.fa.gz", "-m", "k2.parquet"];
    let fails_clean = |args: &[&str], needles: &[&str]| {
        let before = listing(d);
        let e = fails(d, "score-variants", &[&base[..], args].concat());
        for n in needles {
            assert!(e.contains(n), "{args:?}: lacks '{n}': {e}");
        }
        assert_eq!(listing(d), before, "{args:?} left files");
    };
    // a region asked of a VCF that is not bgzipped, or has no index
    fails_clean(
        &[
            "-i",
            "v.vcf.gz",
            "--region",
            "NC_007795:1-1000",
            "-o",
            "x.vcf",
        ],
        &["v.vcf.gz", "bgzip"],
    );
    let plain = gunzip(&d.join("v.vcf.gz"));
    write(d, "v.vcf", &plain);
    ok(
        d,
        "score-variants",
        &[&base[..], &["-i", "v.vcf", "-o", "bg.vcf.gz"]].concat(),
    );
    fails_clean(
        &[
            "-i",
            "bg.vcf.gz",
            "--region",
            "NC_007795:1-1000",
            "-o",
            "x.vcf",
        ],
        &["bg.vcf.gz", "index", "tabix"],
    );
    // records on a contig the genome lacks, and the mapping that fixes it
    write(
        d,
        "chr.vcf",
        &plain.replace("NC_007795\t", "chrNC_007795\t"),
    );
    fails_clean(
        &["-i", "chr.vcf", "-o", "x.vcf"],
        &[
            "chr.vcf",
            "chrNC_007795",
            "--contig-map",
            "it has: NC_007795",
        ],
    );
    ok(
        d,
        "score-variants",
        &[
            &base[..],
            &[
                "-i",
                "chr.vcf",
                "--chr-prefix",
                "remove",
                "-o",
                "mapped.vcf",
            ],
        ]
        .concat(),
    );
    write(d, "map.tsv", "chrNC_007795\tNC_007795\n");
    ok(
        d,
        "score-variants",
        &[
            &base[..],
            &[
                "-i",
                "chr.vcf",
                "--contig-map",
                "map.tsv",
                "-o",
                "mapped2.vcf",
            ],
        ]
        .concat(),
    );
    let mapped = std::fs::read_to_string(d.join("mapped2.vcf")).unwrap();
    assert!(
        mapped
            .lines()
            .any(|l| l.starts_with("chrNC_007795\t") && l.contains("DNACTX_LLR")),
        "names stay as in the VCF"
    );
    // symbolic alleles pass through flagged; a missing or wrong REF is flagged, not scored
    let header: String = plain
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    write(
        d,
        "odd.vcf",
        &format!(
            "{header}NC_007795\t1000\t.\tA\t<DEL>\t.\t.\tSVTYPE=DEL\nNC_007795\t2000\t.\t.\tG\t.\t.\t.\nNC_007795\t3000\t.\tA\tC,G\t.\t.\t.\nNC_007795\t4000\t.\tA\tC,AT\t.\t.\t.\n"
        ),
    );
    let seq = genome_seq(d);
    let err = ok(
        d,
        "score-variants",
        &[&base[..], &["-i", "odd.vcf", "-o", "odd_out.vcf"]].concat(),
    );
    let out = std::fs::read_to_string(d.join("odd_out.vcf")).unwrap();
    let recs: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(recs.len(), 4);
    assert!(
        recs[0].contains("SVTYPE=DEL") && recs[0].contains("DNACTX_NOT_SNV"),
        "{}",
        recs[0]
    );
    assert!(
        recs[1].contains("DNACTX_REF_MISMATCH") && !recs[1].contains("DNACTX_LLR"),
        "{}",
        recs[1]
    );
    let ref3 = seq[2999] as char;
    if ref3 == 'A' {
        assert!(recs[2].contains("DNACTX_LLR="));
    } else {
        assert!(recs[2].contains("DNACTX_REF_MISMATCH"), "{}", recs[2]);
        assert!(
            err.contains("REF") && err.contains("NC_007795:3000"),
            "mismatches are reported: {err}"
        );
    }
    // a multi-allelic record with an SNV and an indel: one value per ALT, '.' for the indel
    if seq[3999] == b'A' {
        let llr = info(recs[3], "DNACTX_LLR").unwrap();
        assert!(llr.ends_with(",."), "{}", recs[3]);
        assert!(recs[3].contains("DNACTX_NOT_SNV"));
    }
}

/// The real VCF's text with record `n` (1-based) changed by `edit` (its columns), and the
/// 1-based line number of that record (header lines counted).
fn edited_vcf(plain: &str, n: usize, edit: impl Fn(&mut Vec<String>)) -> (String, usize) {
    let header = plain.lines().filter(|l| l.starts_with('#')).count();
    let mut out = String::new();
    for (i, line) in plain.lines().enumerate() {
        if i + 1 == header + n {
            let mut cols: Vec<String> = line.split('\t').map(str::to_string).collect();
            edit(&mut cols);
            out.push_str(&cols.join("\t"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    (out, header + n)
}

/// `text` written bgzip-compressed (and tabix-indexed) as `name` in `d`.
fn bgzip_indexed(d: &Path, name: &str, text: &str) {
    use std::io::Write;
    let path = d.join(name);
    let mut w = rust_htslib::bgzf::Writer::from_path(&path).unwrap();
    w.write_all(text.as_bytes()).unwrap();
    drop(w);
    rust_htslib::bcf::index::build(&path, None, 1, rust_htslib::bcf::index::Type::Tbx).unwrap();
}

/// A folder with the S. aureus genome (s.fa.gz), its variants (v.vcf.gz, and plain: the
/// returned text) and a k = 2 table (k2.parquet).
fn saureus_k2() -> (tempfile::TempDir, String) {
    let dir = tempdir();
    saureus_into(dir.path());
    ok(
        dir.path(),
        "count-kmers",
        &["-g", "s.fa.gz", "-k", "2", "-o", "k2.parquet"],
    );
    let plain = gunzip(&dir.path().join("v.vcf.gz"));
    (dir, plain)
}

/// score-variants of `input` into `output` with the genome and k2.parquet, and `extra`.
fn score_args<'a>(input: &'a str, output: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let base = [
        "-g",
        "s.fa.gz",
        "-m",
        "k2.parquet",
        "-i",
        input,
        "-o",
        output,
    ];
    [&base[..], extra].concat()
}

/// Runs score-variants expecting failure: the message holds every needle, and no file is
/// left behind.
fn fails_with(d: &Path, input: &str, extra: &[&str], needles: &[&str]) {
    let before = listing(d);
    let e = fails(d, "score-variants", &score_args(input, "x.vcf", extra));
    for n in needles {
        assert!(e.contains(n), "{input} {extra:?}: lacks '{n}': {e}");
    }
    assert_eq!(listing(d), before, "{input} left files");
}

/// A change to a record's columns.
type Edit = fn(&mut Vec<String>);

#[test]
fn bad_records_are_named_by_file_and_line() {
    let (dir, plain) = saureus_k2();
    let d = dir.path();
    // htslib reads a QUAL it cannot parse as 0 (atof), and an empty POS as POS 0
    let cases: [(&str, Edit, &str); 5] = [
        ("qual.vcf", |c| c[5] = "abc".into(), "QUAL 'abc'"),
        ("qual1x.vcf", |c| c[5] = "1x".into(), "QUAL '1x'"),
        ("pos_empty.vcf", |c| c[1] = String::new(), "POS ''"),
        ("pos_junk.vcf", |c| c[1] = "12x".into(), "POS '12x'"),
        ("cols.vcf", |c| c.truncate(6), "6 tab-separated column"),
    ];
    for (name, edit, why) in cases {
        let (text, line) = edited_vcf(&plain, 50, edit);
        write(d, name, &text);
        fails_with(d, name, &[], &[&format!("{name}:{line}: "), why]);
    }
    // the same bad QUAL in a bgzip VCF, whole and through its index: which record of the
    // region it is (the region's records are the 4 of 1..100000, the 3rd is edited)
    let (text, line) = edited_vcf(&plain, 3, |c| c[5] = "abc".into());
    bgzip_indexed(d, "bad.vcf.gz", &text);
    let whole = format!("bad.vcf.gz:{line}: ");
    fails_with(d, "bad.vcf.gz", &[], &[&whole, "QUAL 'abc'"]);
    let in_region = "bad.vcf.gz: record 3 of region NC_007795:1-100000: ";
    let region = ["--region", "NC_007795:1-100000"];
    fails_with(d, "bad.vcf.gz", &region, &[in_region, "QUAL 'abc'"]);
    // a well-formed QUAL, or '.', still passes
    let (text, _) = edited_vcf(&plain, 50, |c| c[5] = "1e3".into());
    write(d, "qual_ok.vcf", &text);
    ok(
        d,
        "score-variants",
        &score_args("qual_ok.vcf", "ok.vcf", &[]),
    );
    // a BCF cut short: the record where reading stopped
    ok(d, "score-variants", &score_args("v.vcf.gz", "v.bcf", &[]));
    let bytes = std::fs::read(d.join("v.bcf")).unwrap();
    std::fs::write(d.join("cut.bcf"), &bytes[..bytes.len() * 2 / 3]).unwrap();
    fails_with(d, "cut.bcf", &[], &["cut.bcf: record "]);
    // found by fuzzing: a file htslib does not take for VCF or BCF, and a BCF cut inside
    // its header (rust-htslib's reader leaked the first and took the second's header for a
    // valid one)
    let misspelled = plain.replacen("##fileformat", "##fifeformat", 1);
    write(d, "notvcf.vcf", &misspelled);
    fails_with(d, "notvcf.vcf", &[], &["notvcf.vcf: ", "not a VCF or BCF"]);
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(d.join("v.bcf")).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    std::fs::write(d.join("head.bcf"), &raw[..40]).unwrap();
    fails_with(
        d,
        "head.bcf",
        &[],
        &["head.bcf: ", "header could not be read"],
    );
}

/// `vcf` (text with ##contig lines) converted to BCF with htslib, as `name`.
fn to_bcf(d: &Path, vcf: &str, name: &str) {
    use rust_htslib::bcf::{self, Read};
    write(d, "for_bcf.vcf", vcf);
    let mut r = bcf::Reader::from_path(d.join("for_bcf.vcf")).unwrap();
    let header = bcf::Header::from_template(r.header());
    let mut w = bcf::Writer::from_path(d.join(name), &header, false, bcf::Format::Bcf).unwrap();
    for rec in r.records() {
        let mut rec = rec.unwrap();
        w.translate(&mut rec);
        w.write(&rec).unwrap();
    }
    drop(w);
    std::fs::remove_file(d.join("for_bcf.vcf")).unwrap();
}

#[test]
fn positions_outside_the_contig_are_errors_that_say_so() {
    let (dir, plain) = saureus_k2();
    let d = dir.path();
    let seq = genome_seq(d);
    let len = seq.len();
    assert_eq!(len, 2_821_361);
    let plain = plain.replacen(
        "\n",
        &format!("\n##contig=<ID=NC_007795,length={len}>\n"),
        1,
    );
    // far past the end (a panic: capacity overflow), just past it, and POS 0 (both were
    // reported as REF mismatches)
    for (name, pos) in [
        ("far.vcf", len + 100),
        ("next.vcf", len + 1),
        ("zero.vcf", 0),
    ] {
        let (text, line) = edited_vcf(&plain, 50, |c| {
            c[1] = pos.to_string();
            c[3] = "A".into();
            c[4] = "C".into();
        });
        write(d, name, &text);
        let needles = [
            format!("{name}:{line}: "),
            format!("POS {pos} "),
            "outside contig NC_007795".into(),
            format!("{len} bases"),
        ];
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        fails_with(d, name, &[], &needles);
        // a BCF says which record
        let bcf = name.replace(".vcf", ".bcf");
        to_bcf(d, &text, &bcf);
        fails_with(
            d,
            &bcf,
            &[],
            &[&format!("{bcf}: record 50: "), needles[1], needles[2]],
        );
    }
    // the last base is inside: scored
    let last = seq[len - 1] as char;
    let alt = if last == 'A' { "C" } else { "A" };
    let (text, _) = edited_vcf(&plain, 50, |c| {
        c[1] = len.to_string();
        c[3] = last.to_string();
        c[4] = alt.into();
    });
    write(d, "last.vcf", &text);
    ok(
        d,
        "score-variants",
        &score_args("last.vcf", "last_out.vcf", &[]),
    );
    let out = std::fs::read_to_string(d.join("last_out.vcf")).unwrap();
    let rec = out
        .lines()
        .find(|l| l.starts_with(&format!("NC_007795\t{len}\t")))
        .unwrap();
    assert!(info(rec, "DNACTX_LLR").is_some(), "{rec}");
}
