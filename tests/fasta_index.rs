//! A `.fai`/`.gzi` that no longer matches its FASTA is never trusted: every tool that reads
//! the genome rebuilds it (the folder is writable here) and gives exactly what it gives on a
//! fresh copy of the same FASTA with no index at all. Each case edits a real genome after
//! indexing it, the way a user's genome changes under an old index.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The C. elegans test genome (plain, 50 bases a line, 7 contigs) as text.
fn celegans_text() -> String {
    std::fs::read_to_string(celegans()).unwrap()
}

/// `mask-repeats --dust` on `fasta`, as BED text, and the tool's stderr.
fn dust_bed(dir: &Path, fasta: &str) -> (String, String) {
    let out = format!("{fasta}.bed");
    let err = ok(
        dir,
        "mask-repeats",
        &["-g", fasta, "--dust", "--no-softmask", "-o", &out],
    );
    (std::fs::read_to_string(dir.join(&out)).unwrap(), err)
}

/// Indexes `before` as g.fa, then replaces the FASTA with `after` (and its mtime with a later
/// one) keeping the old index: the tool must warn, rebuild, and match a fresh copy of `after`.
fn check_stale(before: &str, after: &str, reason: &str) {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("g.fa"), before).unwrap();
    dust_bed(d, "g.fa"); // builds g.fa.fai for `before`
    let old_fai = std::fs::read_to_string(d.join("g.fa.fai")).unwrap();
    std::fs::write(d.join("g.fa"), after).unwrap();
    set_mtime(
        &d.join("g.fa.fai"),
        SystemTime::now() + Duration::from_secs(10),
    );
    let (got, err) = dust_bed(d, "g.fa");
    assert!(
        err.contains("does not match") && err.contains(reason),
        "{reason}: {err}"
    );
    std::fs::write(d.join("fresh.fa"), after).unwrap();
    let (want, _) = dust_bed(d, "fresh.fa");
    assert_eq!(got, want, "{reason}: output differs from a fresh index's");
    assert_ne!(
        std::fs::read_to_string(d.join("g.fa.fai")).unwrap(),
        old_fai
    );
    assert_eq!(
        std::fs::read_to_string(d.join("g.fa.fai")).unwrap(),
        std::fs::read_to_string(d.join("fresh.fa.fai")).unwrap(),
        "{reason}: the rebuilt index is not htslib's index of the new file"
    );
}

/// A folder with the C. elegans genome as g.fa, indexed by a first run.
fn indexed_celegans() -> tempfile::TempDir {
    let dir = tempdir();
    std::fs::write(dir.path().join("g.fa"), celegans_text()).unwrap();
    dust_bed(dir.path(), "g.fa");
    dir
}

fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn shifted_layout_is_rebuilt() {
    // One more character in the first header shifts every base of every contig by one.
    let before = celegans_text();
    let after = before.replacen(">CHROMOSOME_I\n", ">CHROMOSOME_I x\n", 1);
    check_stale(&before, &after, "header");
    // The same bases wrapped at 60 instead of 50 per line.
    let rewrapped: String = before
        .split('>')
        .filter(|r| !r.is_empty())
        .map(|rec| {
            let (head, seq) = rec.split_once('\n').unwrap();
            let seq: String = seq.split('\n').collect();
            let lines: Vec<&str> = seq
                .as_bytes()
                .chunks(60)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(">{head}\n{}\n", lines.join("\n"))
        })
        .collect();
    check_stale(&before, &rewrapped, "line");
}

#[test]
fn wrong_length_is_rebuilt() {
    // The first contig loses its last base: the index's length is one too long.
    let before = celegans_text();
    let cut = before.find("\n>CHROMOSOME_II").unwrap();
    let after = format!("{}{}", &before[..cut - 1], &before[cut..]);
    check_stale(&before, &after, "CHROMOSOME_I");
    // ... and gains one on a line of its own: the index's length is one too short.
    let after = format!("{}\nA{}", &before[..cut], &before[cut..]);
    check_stale(&before, &after, "indexed length");
}

/// A base added to a full last line makes the file ragged: htslib cannot index it, so the
/// stale index is removed and the file streamed, with the bases of a fresh copy.
#[test]
fn stale_index_of_a_file_htslib_cannot_index_is_removed() {
    let dir = tempdir();
    let d = dir.path();
    let before = celegans_text();
    std::fs::write(d.join("g.fa"), &before).unwrap();
    dust_bed(d, "g.fa");
    let cut = before.find("\n>CHROMOSOME_II").unwrap();
    let after = format!("{}A{}", &before[..cut], &before[cut..]);
    std::fs::write(d.join("g.fa"), &after).unwrap();
    set_mtime(
        &d.join("g.fa.fai"),
        SystemTime::now() + Duration::from_secs(10),
    );
    let (got, err) = dust_bed(d, "g.fa");
    assert!(err.contains("removed its stale index"), "{err}");
    assert!(!d.join("g.fa.fai").exists());
    std::fs::write(d.join("fresh.fa"), &after).unwrap();
    assert_eq!(got, dust_bed(d, "fresh.fa").0);
}

#[test]
fn renamed_contig_is_rebuilt() {
    let before = celegans_text();
    let after = before.replace(">CHROMOSOME_V\n", ">CHROMOSOME_5\n");
    check_stale(&before, &after, "names 'CHROMOSOME_5'");
}

#[test]
fn appended_contig_is_rebuilt() {
    let before = celegans_text();
    let extra: String = before
        .lines()
        .skip(1)
        .take(40)
        .map(|l| format!("{l}\n"))
        .collect();
    let after = format!("{before}>appended\n{extra}");
    check_stale(&before, &after, "does not list");
}

#[test]
fn index_older_than_the_fasta_is_rebuilt() {
    let dir = indexed_celegans();
    let d = dir.path();
    let past = SystemTime::now() - Duration::from_secs(3600);
    set_mtime(&d.join("g.fa.fai"), past);
    let (_, err) = dust_bed(d, "g.fa");
    assert!(err.contains("older than"), "{err}");
    let mtime = std::fs::metadata(d.join("g.fa.fai"))
        .unwrap()
        .modified()
        .unwrap();
    assert!(
        mtime > past + Duration::from_secs(60),
        "the index was not rebuilt"
    );
    // Rebuilt once, it is fresh: no warning on the next run.
    let (_, err) = dust_bed(d, "g.fa");
    assert!(!err.contains("warning"), "{err}");
}

/// The yeast genome, bgzip-compressed with its `.fai` and `.gzi`, is edited (one base more in
/// its header) and compressed again: the old `.gzi` and `.fai` must both be rebuilt.
#[test]
fn stale_bgzip_index_is_rebuilt() {
    let dir = tempdir();
    let d = dir.path();
    copy_indexed(&yeast(), d, "y.fa.gz");
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut dnactx::io::open_reader(&yeast()).unwrap(), &mut text).unwrap();
    let text = String::from_utf8(text)
        .unwrap()
        .replacen(">chrI", ">chrI longer header", 1);
    bgzip(&d.join("y.fa.gz"), &text);
    bgzip(&d.join("fresh.fa.gz"), &text);
    set_mtime(
        &d.join("y.fa.gz.fai"),
        SystemTime::now() + Duration::from_secs(10),
    );
    set_mtime(
        &d.join("y.fa.gz.gzi"),
        SystemTime::now() + Duration::from_secs(10),
    );
    let soft = |fasta: &str| {
        let out = format!("{fasta}.bed");
        let err = ok(d, "mask-repeats", &["-g", fasta, "-o", &out]);
        (std::fs::read_to_string(d.join(out)).unwrap(), err)
    };
    let (got, err) = soft("y.fa.gz");
    assert!(err.contains("does not match"), "{err}");
    assert_eq!(got, soft("fresh.fa.gz").0);
    for ext in [".fai", ".gzi"] {
        let read = |p: PathBuf| std::fs::read(p).unwrap();
        assert_eq!(
            read(d.join(format!("y.fa.gz{ext}"))),
            read(d.join(format!("fresh.fa.gz{ext}"))),
            "{ext}"
        );
    }
}

fn bgzip(path: &Path, text: &str) {
    use std::io::Write;
    let mut w = rust_htslib::bgzf::Writer::from_path(path).unwrap();
    w.write_all(text.as_bytes()).unwrap();
}

#[test]
fn matching_index_is_used_as_is() {
    let dir = indexed_celegans();
    let d = dir.path();
    let before = std::fs::metadata(d.join("g.fa.fai"))
        .unwrap()
        .modified()
        .unwrap();
    let (_, err) = dust_bed(d, "g.fa");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(
        std::fs::metadata(d.join("g.fa.fai"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
}
