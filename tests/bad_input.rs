//! Bad input: a clear message naming the file (and record/line where it applies), a
//! non-zero exit, and no output left behind, not even a temporary file.

mod common;
use common::*;

use std::path::Path;

const GOOD: &str = ">c1\nACGTACGTACGTAAACCCGGGTTT\n>c2\nGGGGCCCCAAAATTTTACGT\n";

/// Files of `dir` except FASTA indexes (a valid cache that a run may build, not an output).
fn outputs(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|f| !f.ends_with(".fai") && !f.ends_with(".gzi"))
        .collect()
}

/// Runs a failing command and checks the message and that `dir` gained no file.
fn fails_cleanly(dir: &Path, name: &str, args: &[&str], needles: &[&str]) {
    let before = outputs(dir);
    let err = fails(dir, name, args);
    for n in needles {
        assert!(
            err.contains(n),
            "{name} {args:?}: message lacks '{n}': {err}"
        );
    }
    assert_eq!(outputs(dir), before, "{name} {args:?} left files behind");
}

fn setup() -> tempfile::TempDir {
    let dir = tempdir();
    write(dir.path(), "g.fa", GOOD);
    dir
}

#[test]
fn missing_and_unreadable_files() {
    let dir = setup();
    let d = dir.path();
    fails_cleanly(
        d,
        "mask-repeats",
        &["-g", "nope.fa", "-o", "r.bed"],
        &["nope.fa", "No such file"],
    );
    std::fs::create_dir(d.join("adir.fa")).unwrap();
    fails_cleanly(
        d,
        "count-kmers",
        &["-g", "adir.fa", "-o", "k.parquet"],
        &["adir.fa"],
    );
    fails_cleanly(
        d,
        "make-windows",
        &["-g", "g.fa", "--config", "none.yaml", "-o", "w.parquet"],
        &["none.yaml"],
    );
    fails_cleanly(
        d,
        "score-genome",
        &[
            "-g",
            "g.fa",
            "-m",
            "none.parquet",
            "--regions",
            "none.bed",
            "-o",
            "out",
        ],
        &["none.bed"],
    );
    if unsafe_is_root() {
        return; // root reads files whatever their mode
    }
    let p = d.join("locked.fa");
    std::fs::write(&p, GOOD).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    fails_cleanly(
        d,
        "mask-repeats",
        &["-g", "locked.fa", "-o", "r.bed"],
        &["locked.fa", "ermission"],
    );
}

fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

#[test]
fn malformed_fasta() {
    let dir = setup();
    let d = dir.path();
    let cases: [(&str, &str, &[&str]); 6] = [
        ("empty.fa", "", &["empty.fa", "no FASTA records"]),
        (
            "comments.fa",
            ";just a comment\n\n",
            &["comments.fa", "no FASTA records"],
        ),
        (
            "dup.fa",
            ">a\nACGT\n>b\nAC\n>a\nGG\n",
            &["dup.fa:5", "duplicate record name 'a'", "line 1"],
        ),
        (
            "emptyseq.fa",
            ">a\nACGT\n>b\n>c\nAC\n",
            &["emptyseq.fa:3", "'b' has no sequence"],
        ),
        (
            "badchar.fa",
            ">a\nACGT\nAC*T\n",
            &["badchar.fa:3", "'*'", "column 3"],
        ),
        (
            "noheader.fa",
            "ACGT\n>a\nAC\n",
            &["noheader.fa:1", "before the first"],
        ),
    ];
    for (name, text, needles) in cases {
        write(d, name, text);
        fails_cleanly(d, "mask-repeats", &["-g", name, "-o", "r.bed"], needles);
        // the failed run must not leave an index behind either
        assert!(
            !d.join(format!("{name}.fai")).exists(),
            "{name}.fai left behind"
        );
    }
    // the same through gzip (streamed, not indexed)
    let gz = d.join("dup.fa.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut enc, b">a\nACGT\n>a\nGG\n").unwrap();
    enc.finish().unwrap();
    fails_cleanly(
        d,
        "count-kmers",
        &["-g", "dup.fa.gz", "-o", "k.parquet"],
        &["dup.fa.gz:3", "duplicate"],
    );
}

#[test]
fn chromosome_missing_from_genome_lists_the_present_ones() {
    let dir = setup();
    let d = dir.path();
    fails_cleanly(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--train",
            "c1,chrZ",
            "--test",
            "rest",
            "-o",
            "w.parquet",
        ],
        &["chrZ", "g.fa", "it has: c1, c2"],
    );
    write(d, "cfg.yaml", "splits:\n  train: [c1]\n  test: [c9]\n");
    fails_cleanly(
        d,
        "make-windows",
        &["-g", "g.fa", "--config", "cfg.yaml", "-o", "w.parquet"],
        &["split test", "c9", "it has: c1, c2"],
    );
    write(d, "typo.yaml", "splits:\n  train: [c1]\n  tset: rest\n");
    fails_cleanly(
        d,
        "make-windows",
        &["-g", "g.fa", "--config", "typo.yaml", "-o", "w.parquet"],
        &["typo.yaml", "tset"],
    );
    fails_cleanly(
        d,
        "count-kmers",
        &["-g", "g.fa", "--chrom", "chrQ", "-o", "k.parquet"],
        &["chrQ", "it has: c1, c2"],
    );
    fails_cleanly(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--train",
            "c1",
            "--test",
            "c1",
            "-o",
            "w.parquet",
        ],
        &["c1", "two splits"],
    );
}

#[test]
fn bad_bed_lines_name_file_and_line() {
    let dir = setup();
    let d = dir.path();
    let cases = [
        (
            "contig.bed",
            "c1\t0\t5\n# note\nchrZ\t1\t2\n",
            vec!["contig.bed:3", "chrZ", "not in the genome"],
        ),
        (
            "order.bed",
            "c1\t10\t5\n",
            vec!["order.bed:1", "before start"],
        ),
        (
            "past.bed",
            "c2\t0\t5\nc2\t10\t21\n",
            vec!["past.bed:2", "past the end of c2", "length 20"],
        ),
        (
            "cols.bed",
            "c1 0 5\n",
            vec!["cols.bed:1", "3 tab-separated columns"],
        ),
        ("num.bed", "c1\t-1\t5\n", vec!["num.bed:1", "start '-1'"]),
    ];
    for (name, text, needles) in cases {
        write(d, name, text);
        fails_cleanly(
            d,
            "mask-repeats",
            &["-g", "g.fa", "--bed", name, "-o", "r.bed"],
            &needles,
        );
        fails_cleanly(
            d,
            "make-windows",
            &[
                "-g",
                "g.fa",
                "--train",
                "rest",
                "--repeats",
                name,
                "-o",
                "w.parquet",
            ],
            &needles,
        );
    }
}

#[test]
fn k_out_of_range() {
    let dir = setup();
    let d = dir.path();
    for k in ["0", "15"] {
        fails_cleanly(
            d,
            "count-kmers",
            &["-g", "g.fa", "-k", k, "-o", "k.parquet"],
            &[&format!("k = {k} is out of range"), "1..=14"],
        );
    }
}

#[test]
fn track_precision_out_of_range() {
    let dir = setup();
    let d = dir.path();
    for p in ["7", "2.5", "three"] {
        fails_cleanly(
            d,
            "score-genome",
            &[
                "-g",
                "g.fa",
                "-m",
                "k.parquet",
                "--regions",
                "r.bed",
                "--precision",
                p,
                "-o",
                "s",
            ],
            &[&format!("'{p}'"), "0 to 6 decimals, or full"],
        );
        fails_cleanly(
            d,
            "merge-scores",
            &["s1", "--precision", p, "-o", "s"],
            &[&format!("'{p}'"), "0 to 6 decimals, or full"],
        );
    }
}

#[test]
fn parquet_with_missing_columns_or_another_k() {
    let dir = setup();
    let d = dir.path();
    ok(
        d,
        "make-windows",
        &[
            "-g",
            "g.fa",
            "--train",
            "rest",
            "--size",
            "10",
            "-o",
            "w.parquet",
        ],
    );
    ok(
        d,
        "count-kmers",
        &["-g", "g.fa", "-k", "2", "-o", "k2.parquet"],
    );
    ok(
        d,
        "count-kmers",
        &["-g", "g.fa", "-k", "3", "-o", "k3.parquet"],
    );
    // a windows table given as a model
    fails_cleanly(
        d,
        "score-genome",
        &[
            "-g",
            "g.fa",
            "-m",
            "w.parquet",
            "--windows",
            "w.parquet",
            "--split",
            "train",
            "-o",
            "out",
        ],
        &["w.parquet", "missing column(s) left, right, count_A"],
    );
    // a count table given as windows
    fails_cleanly(
        d,
        "count-kmers",
        &["-g", "g.fa", "--windows", "k2.parquet", "-o", "k.parquet"],
        &["k2.parquet", "missing column(s) chrom, start, end, split"],
    );
    // shards of another k
    fails_cleanly(
        d,
        "count-kmers",
        &["--merge", "k2.parquet", "k3.parquet", "-o", "m.parquet"],
        &["k3.parquet", "k = 3", "k = 2"],
    );
    // a table whose contexts do not have the k its metadata says
    let text = std::fs::read(d.join("k2.parquet")).unwrap();
    let patched = replace_bytes(
        &text,
        b"dnactx.k\x15\x00\x18\x012",
        b"dnactx.k\x15\x00\x18\x014",
    );
    if let Some(p) = patched {
        std::fs::write(d.join("k4.parquet"), p).unwrap();
        fails_cleanly(
            d,
            "score-genome",
            &[
                "-g",
                "g.fa",
                "-m",
                "k4.parquet",
                "--windows",
                "w.parquet",
                "--split",
                "train",
                "-o",
                "out",
            ],
            &["k4.parquet", "k = 4"],
        );
    }
    // not Parquet at all
    write(d, "junk.parquet", "not parquet");
    fails_cleanly(
        d,
        "score-genome",
        &[
            "-g",
            "g.fa",
            "-m",
            "junk.parquet",
            "--windows",
            "w.parquet",
            "--split",
            "train",
            "-o",
            "out",
        ],
        &["junk.parquet"],
    );
}

fn replace_bytes(hay: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    let i = hay.windows(from.len()).position(|w| w == from)?;
    let mut v = hay.to_vec();
    v[i..i + from.len()].copy_from_slice(to);
    Some(v)
}

#[test]
fn output_folder_that_cannot_be_written() {
    let dir = setup();
    let d = dir.path();
    write(d, "afile", "x");
    fails_cleanly(
        d,
        "mask-repeats",
        &["-g", "g.fa", "-o", "missing/r.bed"],
        &["missing"],
    );
    fails_cleanly(
        d,
        "make-windows",
        &["-g", "g.fa", "--train", "rest", "-o", "afile/w.parquet"],
        &["afile"],
    );
    fails_cleanly(
        d,
        "count-kmers",
        &["-g", "g.fa", "-o", "/proc/k.parquet"],
        &["/proc"],
    );
    ok(
        d,
        "count-kmers",
        &["-g", "g.fa", "-k", "1", "-o", "k1.parquet"],
    );
    write(d, "r.bed", "c1\t0\t10\n");
    fails_cleanly(
        d,
        "score-genome",
        &[
            "-g",
            "g.fa",
            "-m",
            "k1.parquet",
            "--regions",
            "r.bed",
            "-o",
            "afile/out",
        ],
        &["afile"],
    );
}

#[test]
fn a_late_failure_removes_every_track() {
    // The model is fine but the second contig holds a letter that is not a nucleotide: the
    // genome is read through a pre-built index, so the error comes mid-way through scoring.
    let dir = setup();
    let d = dir.path();
    ok(
        d,
        "count-kmers",
        &["-g", "g.fa", "-k", "1", "-o", "k1.parquet"],
    );
    write(
        d,
        "late.fa",
        ">c1\nACGTACGTACGTAAACCCGGGTTT\n>c2\nGGGGCCCCAAAA!TTTACGTA\n",
    );
    write(d, "late.fa.fai", "c1\t24\t4\t24\t25\nc2\t21\t33\t21\t22\n");
    write(d, "r.bed", "c1\t0\t24\nc2\t0\t21\n");
    std::fs::create_dir(d.join("out")).unwrap();
    let before = listing(&d.join("out"));
    let err = fails(
        d,
        "score-genome",
        &[
            "-g",
            "late.fa",
            "-m",
            "k1.parquet",
            "--regions",
            "r.bed",
            "--tracks",
            "-o",
            "out",
        ],
    );
    assert!(err.contains("late.fa") && err.contains("c2"), "{err}");
    assert_eq!(listing(&d.join("out")), before, "tracks left behind");
}

/// `--chrom` naming a chromosome with no windows of the split, on a plain-gzip genome (read by
/// streaming): an empty shard with a warning, as on an indexed genome, never a panic.
#[test]
fn shard_of_a_chromosome_without_windows_on_a_gzip_genome() {
    let dir = setup();
    let d = dir.path();
    let gz = std::fs::File::create(d.join("g.fa.gz")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::default());
    std::io::Write::write_all(&mut enc, GOOD.as_bytes()).unwrap();
    enc.finish().unwrap();
    for g in ["g.fa.gz", "g.fa"] {
        let count = |more: &str| format!("-g {g} --windows w.parquet -k 2 {more}");
        ok_words(
            d,
            "make-windows",
            &format!("-g {g} --train c1 --test c2 -o w.parquet"),
        );
        let err = ok_words(d, "count-kmers", &count("--chrom c2 -o c2.parquet"));
        assert!(
            err.contains("warning") && err.contains("empty shard"),
            "{g}: {err}"
        );
        // the shard holds nothing; merged with a real one, it changes nothing
        ok_words(d, "count-kmers", &count("--chrom c1 -o c1.parquet"));
        ok_words(
            d,
            "count-kmers",
            "--merge c1.parquet c2.parquet -o m.parquet",
        );
        ok_words(d, "count-kmers", &count("-o all.parquet"));
        for model in ["m", "all"] {
            let args = format!("-g {g} -m {model}.parquet --windows w.parquet -o {model}");
            ok_words(d, "score-genome", &args);
        }
        let metrics = |m: &str| std::fs::read_to_string(d.join(m).join("metrics.tsv")).unwrap();
        assert_eq!(metrics("m"), metrics("all"), "{g}");
    }
}

/// Runs a tool with whitespace-separated arguments and asserts success, returning stderr.
fn ok_words(dir: &Path, name: &str, args: &str) -> String {
    ok(dir, name, &args.split_whitespace().collect::<Vec<_>>())
}

/// [`fails_cleanly`] with whitespace-separated arguments.
fn fails_words(dir: &Path, name: &str, args: &str, needles: &[&str]) {
    fails_cleanly(
        dir,
        name,
        &args.split_whitespace().collect::<Vec<_>>(),
        needles,
    );
}

/// A train chromosome shorter than 2k+1: make-windows makes its window, count-kmers warns that
/// a shard is empty and refuses a whole count; merging empty shards and predicting with an
/// empty table are refused, naming the files.
#[test]
fn empty_splits_and_tables_are_refused() {
    let dir = setup();
    let d = dir.path();
    write(
        d,
        "short.fa",
        ">tiny\nACG\n>c2\nGGGGCCCCAAAATTTTACGTACGTTTGA\n",
    );
    ok_words(
        d,
        "make-windows",
        "-g short.fa --train tiny --test c2 -o w.parquet",
    );
    let count = "count-kmers";
    let windows = "-g short.fa --windows w.parquet -k 3";
    let needles = ["no train centers counted", "tiny"];
    fails_words(d, count, &format!("{windows} -o k.parquet"), &needles);
    let err = ok_words(d, count, &format!("{windows} --chrom tiny -o tiny.parquet"));
    assert!(err.contains("empty shard"), "{err}");
    ok_words(d, count, &format!("{windows} --chrom c2 -o c2.parquet"));
    let merge = "--merge tiny.parquet c2.parquet -o m.parquet";
    fails_words(d, count, merge, &["hold no counts"]);
    let model = "-g short.fa -m tiny.parquet --windows w.parquet";
    let needles = ["tiny.parquet", "no counts"];
    fails_words(d, "score-genome", &format!("{model} -o out"), &needles);
    fails_words(
        d,
        "explain-flanks",
        &format!("{model} -o e.parquet"),
        &needles,
    );
    // a split whose chromosomes hold no A/C/G/T base at all
    write(d, "n.fa", ">nn\nNNNNNNNNNN\n>c2\nGGGGCCCCAAAATTTTACGT\n");
    let args = "-g n.fa --train nn --test c2 --max-unknown 1 -o wn.parquet";
    let err = ok_words(d, "make-windows", args);
    assert!(
        err.contains("split train") && err.contains("no window with an A/C/G/T base"),
        "{err}"
    );
}

/// An output path that is an input, or an input's index, is refused before anything is
/// written: the input is left as it was.
#[test]
fn output_that_is_an_input_is_refused() {
    let dir = setup();
    let d = dir.path();
    ok_words(
        d,
        "make-windows",
        "-g g.fa --train c1 --test c2 -o w.parquet",
    );
    ok_words(d, "count-kmers", "-g g.fa -k 2 -o k.parquet");
    let snapshot = |names: &[&str]| {
        let read = |n: &&str| std::fs::read(d.join(n)).unwrap();
        names.iter().map(read).collect::<Vec<_>>()
    };
    ok_words(
        d,
        "score-genome",
        "-g g.fa -m k.parquet --windows w.parquet -o s",
    );
    let vcf = "##fileformat=VCFv4.2\n##contig=<ID=c1,length=24>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nc1\t5\t.\tA\tC\t.\t.\t.\n";
    write(d, "v.vcf", vcf);
    let files = [
        "g.fa",
        "g.fa.fai",
        "w.parquet",
        "k.parquet",
        "v.vcf",
        "s/metrics.tsv",
        "s/p_ref.bw",
    ];
    let before = snapshot(&files);
    std::os::unix::fs::symlink(d.join("g.fa"), d.join("link.fa")).unwrap();
    let cases = [
        ("mask-repeats", "-g g.fa -o g.fa", "is the input g.fa"),
        (
            "mask-repeats",
            "-g g.fa -o ./g.fa.fai",
            "an index of the input",
        ),
        ("mask-repeats", "-g g.fa -o link.fa", "is the input"),
        ("mask-repeats", "-g link.fa -o g.fa", "is the input"),
        (
            "make-windows",
            "-g g.fa --train c1 -o w2.parquet --bed g.fa",
            "is the input",
        ),
        (
            "count-kmers",
            "-g g.fa --windows w.parquet -k 2 -o w.parquet",
            "is the input",
        ),
        (
            "count-kmers",
            "--merge k.parquet -o k.parquet",
            "is the input",
        ),
        (
            "score-variants",
            "-g g.fa -m k.parquet -i v.vcf -o v.vcf",
            "is the input",
        ),
        (
            "score-variants",
            "-g g.fa -m k.parquet -i v.vcf --parquet g.fa.fai",
            "an index",
        ),
        (
            "score-genome",
            "-g g.fa -m k.parquet --windows w.parquet --repeats s/metrics.tsv -o s",
            "is the input",
        ),
        ("merge-scores", "s -o s", "is the input"),
    ];
    for (tool, args, needle) in cases {
        let err = fails(d, tool, &args.split_whitespace().collect::<Vec<_>>());
        assert!(err.contains(needle), "{tool} {args}: {err}");
    }
    assert_eq!(snapshot(&files), before, "an input changed");
}
