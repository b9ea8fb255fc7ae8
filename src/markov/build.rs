//! Building an FMD-index: the indexed runs (maximal A/C/G/T stretches of the chosen regions)
//! and their reverse complements, each followed by a separator, into one text; its BWT
//! through libsais (the fastest suffix sorter, and its BWT mode keeps only the text and one
//! 4-byte array, 8-byte above 2^31 positions); then the rank blocks.
//!
//! With a part limit ([`TextBuilder::with_part_limit`]) the text is sorted in parts of at
//! most that many positions (whole runs; a run longer than the limit is a part of its own),
//! each merged into the BWT of the parts before it ([`super::merge`]): the peak memory follows
//! the part, not the text ([`MemoryPlan`]).

use libsais::{BwtConstruction, ThreadCount};

use super::index::{FmdIndex, IndexMeta, Run};
use super::merge::{Bwt, PartBwt, merge};
use super::rank::BlockBuilder;
use crate::genome::encode;
use crate::regions::IntervalSet;
use crate::{Error, Result};

/// Separator symbol in the text; bases are 1..=4.
const SEP: u8 = 0;

/// What the builder reports as it goes: a step's description, or rows merged so far.
pub trait BuildProgress: Sync {
    fn step(&self, _what: &str) {}
    fn merged(&self, _rows: u64, _of: u64) {}
}

/// Reports nothing.
pub struct Silent;
impl BuildProgress for Silent {}

/// Collects runs into the text to index.
pub struct TextBuilder {
    text: Vec<u8>,
    runs: Vec<Run>,
    checksum: u64,
    contig_checksums: Vec<(String, String)>,
    part_limit: u64,
    merged: Option<Bwt>,
    parts: usize,
    progress: Box<dyn BuildProgress>,
}

impl Default for TextBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TextBuilder {
    /// One text, sorted at once.
    pub fn new() -> Self {
        Self::with_part_limit(u64::MAX)
    }

    /// Sorted in parts of at most `limit` positions (both strands, separators counted).
    pub fn with_part_limit(limit: u64) -> Self {
        TextBuilder {
            text: Vec::new(),
            runs: Vec::new(),
            checksum: FNV_OFFSET,
            contig_checksums: Vec::new(),
            part_limit: limit.max(1),
            merged: None,
            parts: 0,
            progress: Box::new(Silent),
        }
    }

    pub fn with_progress(mut self, progress: Box<dyn BuildProgress>) -> Self {
        self.progress = progress;
        self
    }

    /// Adds the A/C/G/T runs of `regions` of contig number `contig` (`codes` its bases).
    pub fn add_contig(
        &mut self,
        contig: usize,
        name: &str,
        codes: &[u8],
        regions: &IntervalSet,
    ) -> Result<()> {
        fnv(&mut self.checksum, name.as_bytes());
        let first = self.runs.len();
        for &(s, e) in regions.intervals() {
            let e = (e as usize).min(codes.len());
            let s = (s as usize).min(e);
            let acgt = codes[s..e].iter().map(|&c| encode::is_acgt(c));
            for (a, b) in crate::regions::intervals::runs(acgt) {
                let (a, b) = (s + a as usize, s + b as usize);
                self.add_run(contig, a, &codes[a..b])?;
            }
        }
        if self.runs.len() > first {
            let sum = contig_checksum(&self.runs[first..], codes);
            self.contig_checksums.push((name.to_string(), sum));
        }
        Ok(())
    }

    fn add_run(&mut self, contig: usize, start: usize, codes: &[u8]) -> Result<()> {
        let len = 2 * codes.len() as u64 + 2;
        if !self.text.is_empty() && self.text.len() as u64 + len > self.part_limit {
            self.sort_part()?;
        }
        self.runs.push(Run {
            contig: contig as u64,
            start: start as u64,
            end: (start + codes.len()) as u64,
        });
        fnv(&mut self.checksum, &(start as u64).to_le_bytes());
        let fwd = self.text.len();
        self.text.extend(codes.iter().map(|&c| encode::base(c) + 1));
        fnv(&mut self.checksum, &self.text[fwd..]);
        self.text.push(SEP);
        self.text
            .extend(codes.iter().rev().map(|&c| 4 - encode::base(c)));
        self.text.push(SEP);
        Ok(())
    }

    /// Sorts the text collected so far as a part and merges it into the parts before it.
    fn sort_part(&mut self) -> Result<()> {
        let text = std::mem::take(&mut self.text);
        self.parts += 1;
        let n = text.len() as u64;
        self.progress
            .step(&format!("part {}: sorting {n} positions", self.parts));
        let part = sort(text)?;
        self.merged = Some(match self.merged.take() {
            None => part.bwt,
            Some(acc) => {
                let of = part.bwt.rows;
                self.progress.step(&format!(
                    "part {}: merging into the {} rows before it",
                    self.parts, acc.rows
                ));
                let progress = &self.progress;
                merge(&acc, &part, &|done| progress.merged(done, of))
            }
        });
        Ok(())
    }

    /// Bases added (one strand).
    pub fn bases(&self) -> u64 {
        self.runs.iter().map(|r| r.end - r.start).sum()
    }

    /// Parts sorted so far (0 while the text is one).
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// The text's BWT and its rank blocks; `meta.checksum` and `meta.bases` are filled in.
    pub fn finish(mut self, mut meta: IndexMeta) -> Result<FmdIndex> {
        if self.runs.is_empty() {
            return Err(Error::Nothing(
                "nothing to index: the chosen regions hold no A/C/G/T base".into(),
            ));
        }
        meta.checksum = format!("fnv1a64:{:016x}", self.checksum);
        meta.contig_checksums = std::mem::take(&mut self.contig_checksums);
        meta.bases = self.bases();
        let bwt = if self.merged.is_none() {
            let n = self.text.len() as u64;
            self.progress.step(&format!("sorting {n} positions"));
            sort(std::mem::take(&mut self.text))?.bwt
        } else {
            self.sort_part()?;
            self.merged.take().expect("merged parts")
        };
        Ok(FmdIndex::from_parts(
            meta,
            bwt.blocks,
            bwt.dollars,
            self.runs,
            bwt.rows,
        ))
    }
}

/// The BWT of `text` plus a sentinel, by libsais on the pool's threads (OpenMP): the 4-byte
/// suffix array below 2^31 positions, the 8-byte one above.
pub(super) fn sort(mut text: Vec<u8>) -> Result<PartBwt> {
    let n = text.len();
    let oom = |e: libsais::LibsaisError| {
        Error::Internal(format!("building the BWT of {n} positions failed: {e:?}"))
    };
    let threads = ThreadCount::fixed(rayon::current_num_threads().clamp(1, 256) as u16);
    let primary = if n < i32::MAX as usize {
        BwtConstruction::replace_text(&mut text)
            .with_owned_temporary_array_buffer32()
            .multi_threaded(threads)
            .run()
            .map_err(oom)?
            .primary_index()
    } else {
        BwtConstruction::replace_text(&mut text)
            .with_owned_temporary_array_buffer64()
            .multi_threaded(threads)
            .run()
            .map_err(oom)?
            .primary_index()
    };
    Ok(PartBwt::from_libsais(text, primary))
}

impl PartBwt {
    /// The BWT libsais left in `text` (without the sentinel's row, `primary`, the whole
    /// text's) as the full BWT of text + sentinel, n + 1 rows.
    fn from_libsais(text: Vec<u8>, primary: usize) -> PartBwt {
        let n = text.len();
        let mut b = BlockBuilder::with_capacity(n as u64 + 1);
        for (i, &s) in text.iter().enumerate() {
            if i == primary {
                b.push(None);
            }
            b.push((s != SEP).then(|| s - 1));
        }
        if primary == n {
            b.push(None);
        }
        drop(text);
        PartBwt {
            bwt: Bwt::from_builder(b),
            primary: primary as u64,
        }
    }
}

/// A contig's checksum as the index records it: FNV-1a 64 of each indexed run's start and
/// bases, from the contig's `codes`.
pub fn contig_checksum(runs: &[Run], codes: &[u8]) -> String {
    let mut h = FNV_OFFSET;
    for r in runs {
        fnv(&mut h, &r.start.to_le_bytes());
        for &c in &codes[r.start as usize..r.end as usize] {
            fnv(&mut h, &[encode::base(c) + 1]);
        }
    }
    format!("fnv1a64:{h:016x}")
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h = (*h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::markov::index::Loading;
    use proptest::prelude::*;

    pub(crate) fn meta() -> IndexMeta {
        IndexMeta {
            kind: super::super::index::KIND.into(),
            version: crate::VERSION.into(),
            genome: "t.fa".into(),
            genome_contigs: vec![("t".into(), 0)],
            checksum: String::new(),
            contig_checksums: Vec::new(),
            split: "all".into(),
            chroms: "t".into(),
            bases: 0,
        }
    }

    fn revcomp(s: &str) -> String {
        s.bytes()
            .rev()
            .map(|b| match b {
                b'A' => 'T',
                b'C' => 'G',
                b'G' => 'C',
                _ => 'A',
            })
            .collect()
    }

    fn naive_count(seq: &str, pat: &str) -> u64 {
        let runs: Vec<&str> = seq.split('N').filter(|r| !r.is_empty()).collect();
        let mut n = 0;
        for r in runs {
            for s in [r.to_string(), revcomp(r)] {
                n += (0..s.len()).filter(|&i| s[i..].starts_with(pat)).count() as u64;
            }
        }
        n
    }

    fn pattern(code: u64, len: usize) -> Vec<u8> {
        (0..len).map(|i| ((code >> (2 * i)) & 3) as u8).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn counts_and_bidirectional_extension_match_naive(seq in "[ACGTN]{1,300}") {
            let codes = EncodedSeq::from_ascii(seq.as_bytes()).unwrap();
            let mut t = TextBuilder::new();
            t.add_contig(0, "t", codes.codes(), &IntervalSet::from_unsorted(vec![(0, seq.len() as u64)])).unwrap();
            if t.bases() == 0 {
                prop_assert!(t.finish(meta()).is_err());
                return Ok(());
            }
            let idx = t.finish(meta()).unwrap();
            for len in 1..=4usize {
                for code in 0..(1u64 << (2 * len)) {
                    let p = pattern(code, len);
                    let s: String = p.iter().map(|&b| b"ACGT"[b as usize] as char).collect();
                    let want = naive_count(&seq, &s);
                    prop_assert_eq!(idx.count(&p), want, "{}", s);
                    // grow from the middle outwards, alternating sides, as the model does
                    let mid = len / 2;
                    let mut iv = idx.base(p[mid]);
                    let (mut l, mut r) = (mid, mid + 1);
                    while l > 0 || r < len {
                        if l > 0 { l -= 1; iv = idx.extend_left(iv, p[l]); }
                        if r < len { iv = idx.extend_right(iv, p[r]); r += 1; }
                    }
                    prop_assert_eq!(iv.size, want, "bidirectional {}", s);
                    let rc: Vec<u8> = p.iter().rev().map(|&b| 3 - b).collect();
                    if want > 0 {
                        // the reverse complement's rows are where the bi-interval says
                        let mut jv = idx.base(rc[len - 1]);
                        for &b in rc[..len - 1].iter().rev() { jv = idx.extend_left(jv, b); }
                        prop_assert_eq!(jv.lo, iv.lo_rc, "rc rows {}", s);
                    }
                }
            }
        }
    }

    #[test]
    fn save_and_load_round_trip() {
        let seq = EncodedSeq::from_ascii(b"ACGTTGCANNACGGTACCATGATTACA").unwrap();
        let mut t = TextBuilder::new();
        t.add_contig(
            0,
            "t",
            seq.codes(),
            &IntervalSet::from_unsorted(vec![(0, 27)]),
        )
        .unwrap();
        let idx = t.finish(meta()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.fmd");
        idx.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        for how in [Loading::Read, Loading::Map] {
            std::fs::write(&path, &bytes).unwrap();
            let back = FmdIndex::load_as(&path, how).unwrap();
            assert_eq!(back.meta, idx.meta);
            assert_eq!(back.blocks(), idx.blocks());
            assert_eq!(back.runs(), idx.runs());
            assert_eq!(back.count(&[0, 1, 2]), idx.count(&[0, 1, 2]));
            // truncated and damaged files are refused by name
            std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
            let e = FmdIndex::load_as(&path, how).err().unwrap().to_string();
            assert!(
                e.contains("truncated") && e.contains("t.fmd"),
                "{how:?}: {e}"
            );
            let mut bad = bytes.clone();
            let mid = bad.len() / 2 + 3;
            bad[mid] ^= 0x40;
            std::fs::write(&path, &bad).unwrap();
            let e = FmdIndex::load_as(&path, how).err().unwrap().to_string();
            assert!(e.contains("damaged"), "{how:?}: {e}");
        }
        std::fs::write(&path, b"").unwrap();
        let e = FmdIndex::load_as(&path, Loading::Read).err().unwrap();
        assert!(e.to_string().contains("not a dnactx FM-index"), "{e}");
    }
}
