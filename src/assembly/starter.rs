//! A starting workflow config for a genome: splits proposed from the contig classes (about a
//! third of the primary bases held out, chosen deterministically), models sized for the node,
//! every choice commented.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::class::ContigClass;
use super::plan::ContigInfo;
use crate::{Error, Result};

/// The node the models are sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Node {
    /// Count tables, the Markov index and the CPU network (cpu-small).
    Cpu,
    /// The Markov index and the large network (gpu-large) on CUDA.
    Gpu,
}

/// What a starting config is written from.
pub struct Starter<'a> {
    pub genome: &'a Path,
    pub dest: &'a Path,
    pub contigs: &'a [ContigInfo],
    pub node: Node,
    pub folds: Option<usize>,
    pub assembly_report: Option<&'a Path>,
    pub contig_table: Option<&'a Path>,
}

/// The test contigs: every third primary contig by length (the 2nd, 5th, ...), over the
/// largest ones that hold 90% of the primary bases, at most 300 names: about a third of the
/// bases, the same for the same genome.
pub fn propose_test(contigs: &[ContigInfo]) -> Result<Vec<String>> {
    let mut primary: Vec<(usize, &ContigInfo)> = contigs
        .iter()
        .enumerate()
        .filter(|(_, c)| c.class == ContigClass::Primary)
        .collect();
    if primary.len() < 2 {
        return Err(Error::config(
            "--init-config",
            format!(
                "the genome has {} primary contig(s): a split by contig needs two; name train and test regions yourself (make-windows, score-genome --regions)",
                primary.len()
            ),
        ));
    }
    let total: u64 = primary.iter().map(|(_, c)| c.len).sum();
    primary.sort_by(|a, b| b.1.len.cmp(&a.1.len).then(a.0.cmp(&b.0)));
    let mut test = every_third(&primary, total);
    test.sort();
    Ok(test.into_iter().map(|(_, n)| n).collect())
}

/// Every third of the `primary` contigs (the 2nd, 5th, ...; sorted by length, largest first)
/// with its place in the genome, over those that hold 90% of the `total` bases, at most 300.
fn every_third(primary: &[(usize, &ContigInfo)], total: u64) -> Vec<(usize, String)> {
    let mut test = Vec::new();
    let mut walked = 0u64;
    for (i, (pos, c)) in primary.iter().enumerate() {
        if walked >= total / 10 * 9 || test.len() == 300 {
            break;
        }
        walked += c.len;
        if i % 3 == 1 {
            test.push((*pos, c.name.clone()));
        }
    }
    test
}

fn yaml_str(s: &str) -> String {
    serde_yaml::to_string(s)
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// The text of the config file.
pub fn config_text(s: &Starter) -> Result<String> {
    let mut t = String::new();
    header(&mut t, s);
    splits(&mut t, s)?;
    if let Some(n) = s.folds {
        t.push_str("\n# Out-of-sample tracks of every primary contig: each fold scored by models trained on the others.\n");
        let _ = writeln!(t, "crossfit:\n  folds: {n}");
    }
    t.push_str(WINDOWS_AND_REPEATS);
    t.push_str("\nmodels:\n");
    models(&mut t, s.node);
    t.push_str(SCORE_EXPLAIN_HUB);
    let title = format!("dnactx: {}", crate::io::file_name(s.genome));
    let _ = writeln!(t, "\nreport:\n  title: {}", yaml_str(&title));
    Ok(t)
}

/// The config's opening: what wrote it, the genome and its tables, the binaries and the device.
fn header(w: &mut String, s: &Starter) {
    let genome = s.genome.display();
    let _ = writeln!(
        w,
        "# dnactx workflow config for {genome}, written by plan-splits --init-config."
    );
    w.push_str(HEADER_NOTES);
    let _ = writeln!(w, "genome: {}", yaml_path(s.genome));
    class_tables(w, s);
    w.push_str("bin_dir: \"\"          # empty: the dnactx binaries on PATH\n");
    let _ = writeln!(w, "device: {}", device_setting(s.node));
}

/// `p` made absolute (as it is when it cannot be), as a YAML string.
fn yaml_path(p: &Path) -> String {
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    yaml_str(&p.display().to_string())
}

/// Writes the assembly report and contig table settings, when the starter has them.
fn class_tables(w: &mut String, s: &Starter) {
    if let Some(p) = s.assembly_report {
        let _ = writeln!(
            w,
            "assembly_report: {}   # classes and parents from NCBI's roles",
            yaml_path(p)
        );
    }
    if let Some(p) = s.contig_table {
        let table = yaml_path(p);
        let _ = writeln!(
            w,
            "contig_table: {table}   # your classes and parents (contig, class, parent)"
        );
    }
}

/// The device setting for `node`, with its comment.
fn device_setting(node: Node) -> &'static str {
    match node {
        Node::Cpu => "cpu             # a CPU node: no CUDA asked for",
        Node::Gpu => {
            "cuda            # a GPU node: a job without a usable GPU fails and says why (auto falls back to the CPU)"
        }
    }
}

const HEADER_NOTES: &str = "\
# Every setting: config/README.md. Relative paths are taken from this file's folder.
# Check the splits with `snakemake -n` (it prints them and writes results/splits.tsv).
";

/// The contig classes and the proposed splits.
fn splits(w: &mut String, s: &Starter) -> Result<()> {
    let test = propose_test(s.contigs)?;
    let lengths: BTreeMap<&str, u64> = s.contigs.iter().map(|c| (c.name.as_str(), c.len)).collect();
    let test_bases: u64 = test.iter().map(|n| lengths[n.as_str()]).sum();
    let by_class = by_class(s.contigs);
    let primary = by_class.get(&ContigClass::Primary).map_or(0, |e| e.1);
    let classes: Vec<String> = by_class
        .iter()
        .map(|(c, (n, b))| format!("{c} {n} ({:.1} Mb)", *b as f64 / 1e6))
        .collect();
    let _ = writeln!(w, "\n# Contigs by class: {}.", classes.join(", "));
    w.push_str(SPLITS_OPENING);
    let _ = writeln!(
        w,
        "  # every third primary contig by length: {} contigs, {:.1}% of the primary bases",
        test.len(),
        100.0 * test_bases as f64 / primary.max(1) as f64
    );
    let names: Vec<String> = test.iter().map(|n| yaml_str(n)).collect();
    let _ = writeln!(w, "  test: [{}]", names.join(", "));
    w.push_str(SPLITS_CLOSING);
    Ok(())
}

/// The contigs and bases of each class.
fn by_class(contigs: &[ContigInfo]) -> BTreeMap<ContigClass, (usize, u64)> {
    let mut by_class: BTreeMap<ContigClass, (usize, u64)> = BTreeMap::new();
    for c in contigs {
        let e = by_class.entry(c.class).or_default();
        e.0 += 1;
        e.1 += c.len;
    }
    by_class
}

const SPLITS_OPENING: &str = "\
# `rest` takes primary sequence only; alt/fix, decoy, HLA, random, unplaced, mito and other
# contigs stay out unless `include` names their class (placed ones then go with their parent).
splits:
  train: rest
  valid: []
";

const SPLITS_CLOSING: &str =
    "  valid_fraction: 0.05   # a seeded 5% of the train windows validate the networks
  seed: 1
  include: []           # e.g. [random, unplaced]; alt, decoy and hla only with known parents
";

const WINDOWS_AND_REPEATS: &str = "
windows:
  size: 100000          # windows of 100 kb: the unit of the splits' windows and of the valid share
  max_unknown: 0.5      # windows more than half N are dropped (a contig left with none is listed, not scored)

repeats:
  softmask: true        # lowercase bases are repeats
  dust: true            # and low-complexity runs (DUST)
  beds: []              # e.g. [rmsk.bed]
";

const SCORE_EXPLAIN_HUB: &str = "
score:
  all_tracks: true      # p_A..p_T as well as p_ref and entropy
  precision: 3          # decimals kept in the tracks (2.8 bytes per base for p_ref)

explain:
  enabled: false        # explain-flanks costs a window per position and disturbance: turn on for a sample

hub:
  enabled: true         # results/hub/ for UCSC, igv_session.xml and browse.html for IGV
";

fn models(w: &mut String, node: Node) {
    let markov = "  - name: markov16         # bidirectional Markov model, up to 16 bases a side, counted from an FM-index of\n    kind: markov           # the train split (both strands); the index build takes about 10 bytes per train base\n    k: 16\n";
    match node {
        Node::Cpu => {
            let _ = write!(
                w,
                "  - name: kmer6            # counts of 6 bases a side: the baseline\n    kind: kmer\n    k: 6\n{markov}\
                 \x20 - name: cnn              # the CPU network, the k = 6 counts as its prior\n    kind: neural\n    prior: kmer6\n    preset: cpu-small\n    train:\n      max_minutes: 600     # stop training after 10 hours\n    runtime_minutes: 720\n"
            );
        }
        Node::Gpu => {
            let _ = write!(
                w,
                "{markov}\
                 \x20 - name: large            # the large network (29.4 M parameters, bf16 on CUDA) with the Markov prior\n    kind: neural\n    prior: markov16\n    preset: gpu-large\n    threads: 16            # most of them prepare batches (the prior's lookups)\n    train: {{loaders: 14, max_minutes: 480}}\n    runtime_minutes: 540\n"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, len: u64, class: ContigClass) -> ContigInfo {
        ContigInfo {
            name: name.into(),
            len,
            class,
            parent: None,
            unsure: false,
        }
    }

    #[test]
    fn about_a_third_of_the_primary_bases_every_third_by_length() {
        let mut contigs: Vec<ContigInfo> = (1..=22)
            .map(|i| {
                info(
                    &format!("chr{i}"),
                    250_000_000 - i * 9_000_000,
                    ContigClass::Primary,
                )
            })
            .collect();
        contigs.push(info("chr1_KI270762v1_alt", 354_444, ContigClass::Alt));
        let test = propose_test(&contigs).unwrap();
        assert_eq!(test[0], "chr2");
        assert!(test.iter().all(|n| !n.contains("alt")));
        let total: u64 = contigs
            .iter()
            .filter(|c| c.class == ContigClass::Primary)
            .map(|c| c.len)
            .sum();
        let held: u64 = contigs
            .iter()
            .filter(|c| test.contains(&c.name))
            .map(|c| c.len)
            .sum();
        let share = held as f64 / total as f64;
        assert!((0.25..0.4).contains(&share), "{share}");
        assert_eq!(test, propose_test(&contigs).unwrap());
        assert!(propose_test(&contigs[..1]).is_err());
    }
}
