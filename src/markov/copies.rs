//! Copies in training: for each position, the longest window centred on it (the base and
//! `j` bases each side, `j` up to [`K_MAX`]) that occurs in an FMD-index of the train split,
//! on either strand, the position's own occurrence left out. A test position with a long
//! copy in training is one a model may have memorised (an alt haplotype, a segmental
//! duplication, a young repeat); its [`CopyBand`] puts it in a metrics class of its own, so
//! that accuracy on such sequence is read apart from the rest.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::MarkovModel;
use super::index::BiInterval;
use super::lookup::{Walk, prefetch_tables, walk_all};
use super::low::LowOrders;
use super::model::{K_MAX, clean_orders};
use crate::genome::{Genome, encode};
use crate::predict::{Locus, padded_chunk};
use crate::regions::IntervalSet;

/// How long a copy of a position's surroundings the train split holds, by the half-width
/// `j` of the longest window found (2j+1 bases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CopyBand {
    /// No window of 21 bases or more (j < 10): at 21 bases a chance match is rare even in
    /// a human train split (3 G positions against 4^21 = 4.4 T strings).
    None,
    /// A window of 21 to 31 bases (j 10..=15), not the whole order-16 one.
    Partial,
    /// The whole 33-base window of an order-16 Markov model: a copy.
    Full,
}

impl CopyBand {
    pub const ALL: [CopyBand; 3] = [CopyBand::None, CopyBand::Partial, CopyBand::Full];
    /// The smallest half-width of a partial copy.
    pub const PARTIAL_FROM: usize = 10;

    /// The band of a position whose longest window found has half-width `j` (`None`: not
    /// even the base, or the base is not A/C/G/T).
    pub fn of(j: Option<usize>) -> CopyBand {
        match j {
            Some(K_MAX) => CopyBand::Full,
            Some(j) if j >= Self::PARTIAL_FROM => CopyBand::Partial,
            _ => CopyBand::None,
        }
    }

    /// True for a band's label.
    pub fn is_label(name: &str) -> bool {
        Self::ALL.iter().any(|b| b.label() == name)
    }

    /// The metrics class (and BED name) of the band.
    pub fn label(self) -> &'static str {
        match self {
            CopyBand::None => "train_copy_none",
            CopyBand::Partial => "train_copy_21_31bp",
            CopyBand::Full => "train_copy_33bp",
        }
    }
}

impl MarkovModel {
    /// For each central position of a chunk (the model's `k` bases of flank each side), the
    /// largest `j <= k` such that the `2j + 1` bases centred on it occur in the index (its
    /// own occurrence left out, as when scoring); `None` where the base is not A/C/G/T.
    pub fn copy_orders(&self, chunk: &[u8], locus: Option<&Locus>) -> Vec<Option<usize>> {
        let k = self.settings().k;
        let m = chunk.len().saturating_sub(2 * k);
        let own = self.own_orders_at(locus, m);
        let top = clean_orders(chunk, k);
        let idx = self.index();
        let walks = (0..m)
            .filter(|&x| encode::is_acgt(chunk[x + k]))
            .map(|x| CopyWalk {
                low: self.low_orders(),
                t: encode::base(chunk[x + k]) as usize,
                slot: x,
                i: x + k,
                top: top[x + k],
                own: own[x],
                j: 0,
                iv: idx.base(encode::base(chunk[x + k])),
                found: 0,
            });
        let mut out = vec![None; m];
        walk_all(idx, chunk, walks, |w| out[w.slot] = Some(w.found));
        out
    }
}

/// The longest copy of one position's window (its `slot` among the chunk's, its center `i`):
/// the largest half-width up to `top` whose window the index holds beyond the position's
/// own occurrence (in the index up to order `own`). The window's reverse complement never
/// equals it (its centre would be its own complement), so the own occurrence counts once.
/// The orders of `low` are read from its tables (the center base `t`'s entries).
struct CopyWalk<'a> {
    low: &'a LowOrders,
    t: usize,
    slot: usize,
    i: usize,
    top: usize,
    own: Option<usize>,
    /// The order of `iv`.
    j: usize,
    iv: BiInterval,
    found: usize,
}

impl CopyWalk<'_> {
    /// Whether the window of order `j` occurs beyond the own occurrence; if so, records it
    /// and moves on to the next order, if any.
    fn occurs(&mut self) -> bool {
        let own_here = self.own.is_some_and(|o| self.j <= o) as u64;
        if self.iv.size <= own_here {
            return false;
        }
        self.found = self.j;
        self.j += 1;
        self.j <= self.top
    }
}

impl Walk for CopyWalk<'_> {
    fn center(&self) -> usize {
        self.i
    }

    fn order(&self) -> usize {
        self.j
    }

    fn intervals(&mut self) -> &mut [BiInterval] {
        std::slice::from_mut(&mut self.iv)
    }

    fn prefetch(&self, chunk: &[u8]) {
        prefetch_tables(self.low, chunk, self.i, self.top);
    }

    fn start(&mut self, chunk: &[u8]) -> bool {
        if !self.occurs() {
            return false;
        }
        let mut ctx = 0;
        while self.j <= self.low.top() {
            let (l, r) = (
                encode::base(chunk[self.i - self.j]),
                encode::base(chunk[self.i + self.j]),
            );
            ctx = LowOrders::context(ctx, l, r);
            self.iv = self.low.at(self.j, ctx)[self.t];
            if !self.occurs() {
                return false;
            }
        }
        true
    }

    fn extended(&mut self, _l: u8, _r: u8) -> bool {
        self.occurs()
    }
}

/// Positions in each band.
pub struct BandCounts(pub HashMap<CopyBand, u64>);

impl BandCounts {
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// Each band's positions and share: `train_copy_33bp 120 (1.20%), ...`.
    pub fn shares(&self) -> String {
        let total = self.total().max(1) as f64;
        let shares: Vec<String> = CopyBand::ALL
            .iter()
            .map(|b| {
                let n = self.0[b];
                format!("{} {n} ({:.2}%)", b.label(), 100.0 * n as f64 / total)
            })
            .collect();
        shares.join(", ")
    }
}

/// Writes the band of every A/C/G/T position of `regions` (contigs in the genome's order) to
/// the BED `dest` (chrom, start, end, band) as maximal runs of one band, contig by contig;
/// returns the positions in each band.
pub fn copy_bands(
    model: &MarkovModel,
    genome: &Genome,
    regions: &HashMap<String, IntervalSet>,
    dest: &Path,
    quiet: bool,
) -> crate::Result<BandCounts> {
    let order = crate::regions::windows::in_genome_order(genome, regions);
    let total: u64 = regions.values().map(IntervalSet::covered).sum();
    let pb = crate::progress::bar(total, "find-copies", quiet);
    let mut counts: HashMap<CopyBand, u64> = CopyBand::ALL.iter().map(|&b| (b, 0)).collect();
    let mut out = crate::io::OutputFile::create(dest)?;
    genome.visit(&order, |contig, seq| {
        let set = &regions[&contig.name];
        let runs = contig_runs(model, &contig.name, seq.codes(), set, &pb);
        model.check_failure()?;
        for &(s, e, band) in &runs {
            *counts.get_mut(&band).expect("every band counted") += e - s;
            writeln!(out, "{}\t{s}\t{e}\t{}", contig.name, band.label())
                .map_err(|err| crate::Error::io(dest, err))?;
        }
        Ok(())
    })?;
    pb.finish_and_clear();
    out.commit()?;
    Ok(BandCounts(counts))
}

/// The runs of one band (start, end, band) over a contig's `set`, searched in pieces of at
/// most 64 kb in parallel.
fn contig_runs(
    model: &MarkovModel,
    contig: &str,
    codes: &[u8],
    set: &IntervalSet,
    pb: &indicatif::ProgressBar,
) -> Vec<(u64, u64, CopyBand)> {
    const PIECE: u64 = 1 << 16;
    let pieces: Vec<(u64, u64)> = set
        .intervals()
        .iter()
        .flat_map(|&(s, e)| {
            (s..e)
                .step_by(PIECE as usize)
                .map(move |a| (a, e.min(a + PIECE)))
        })
        .collect();
    let bands: Vec<Vec<Option<CopyBand>>> = pieces
        .par_iter()
        .map(|&(s, e)| {
            pb.inc(e - s);
            piece_bands(model, contig, codes, (s, e))
        })
        .collect();
    join_runs(&pieces, &bands)
}

/// The pieces' bands as runs of one band (start, end, band), joined across pieces.
fn join_runs(pieces: &[(u64, u64)], bands: &[Vec<Option<CopyBand>>]) -> Vec<(u64, u64, CopyBand)> {
    let mut runs: Vec<(u64, u64, CopyBand)> = Vec::new();
    for (&(s, _), piece) in pieces.iter().zip(bands) {
        for (x, band) in piece.iter().enumerate() {
            let Some(band) = *band else { continue };
            let pos = s + x as u64;
            match runs.last_mut() {
                Some(last) if last.1 == pos && last.2 == band => last.1 += 1,
                _ => runs.push((pos, pos + 1, band)),
            }
        }
    }
    runs
}

/// The band of each position of `s..e` of a contig (`None` where the base is unknown).
fn piece_bands(
    model: &MarkovModel,
    contig: &str,
    codes: &[u8],
    (s, e): (u64, u64),
) -> Vec<Option<CopyBand>> {
    let chunk = padded_chunk(codes, s as usize, e as usize, model.settings().k);
    let locus = Locus {
        contig,
        start: s,
        reverse: false,
    };
    let orders = model.copy_orders(&chunk, Some(&locus));
    orders
        .into_iter()
        .enumerate()
        .map(|(x, j)| encode::is_acgt(codes[s as usize + x]).then(|| CopyBand::of(j)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use crate::markov::build::TextBuilder;
    use crate::markov::index::{IndexMeta, KIND};
    use crate::markov::{FmdIndex, MarkovSettings};

    fn model_of(train: &[u8]) -> MarkovModel {
        let codes = EncodedSeq::from_ascii(train).unwrap().into_codes();
        let mut b = TextBuilder::new();
        let all = IntervalSet::from_unsorted(vec![(0, codes.len() as u64)]);
        b.add_contig(0, "train", &codes, &all).unwrap();
        let meta = IndexMeta {
            kind: KIND.into(),
            version: "test".into(),
            genome: "test".into(),
            genome_contigs: vec![("train".into(), codes.len() as u64)],
            checksum: String::new(),
            contig_checksums: Vec::new(),
            split: "train".into(),
            chroms: "train".into(),
            bases: 0,
        };
        let index: FmdIndex = b.finish(meta).unwrap();
        let settings = MarkovSettings {
            k: K_MAX,
            alpha: 24.0,
            min_order: 0,
            leave_one_out: true,
        };
        MarkovModel::new(index, settings).unwrap()
    }

    /// The naive answer: the largest j whose window (or its reverse complement) is a
    /// substring of `train`.
    fn naive(train: &str, test: &str, i: usize) -> usize {
        let rc = |s: &str| -> String {
            s.bytes()
                .rev()
                .map(|b| match b {
                    b'A' => 'T',
                    b'C' => 'G',
                    b'G' => 'C',
                    _ => 'A',
                })
                .collect()
        };
        let mut best = 0;
        for j in 0..=K_MAX.min(i).min(test.len() - 1 - i) {
            let w = &test[i - j..=i + j];
            if train.contains(w) || train.contains(&rc(w)) {
                best = j;
            } else {
                break;
            }
        }
        best
    }

    #[test]
    fn copy_orders_match_a_naive_search() {
        let mut rng = crate::rng::SplitMix64(7);
        let random = |rng: &mut crate::rng::SplitMix64, n: usize| -> String {
            (0..n)
                .map(|_| b"ACGT"[rng.below(4) as usize] as char)
                .collect()
        };
        let train = random(&mut rng, 3000);
        // a test sequence with an exact copy, a reverse-complement copy and a mutated copy
        // of training sequence between random stretches
        let mut test = random(&mut rng, 200);
        test.push_str(&train[500..600]);
        test.push_str(&random(&mut rng, 50));
        let rc: String = train[1000..1080]
            .bytes()
            .rev()
            .map(|b| match b {
                b'A' => 'T',
                b'C' => 'G',
                b'G' => 'C',
                _ => 'A',
            })
            .collect();
        test.push_str(&rc);
        let mut mutated = train.as_bytes()[2000..2100].to_vec();
        for p in (5..100).step_by(13) {
            mutated[p] = if mutated[p] == b'A' { b'C' } else { b'A' };
        }
        test.push_str(std::str::from_utf8(&mutated).unwrap());
        test.push_str(&random(&mut rng, 200));
        let codes = EncodedSeq::from_ascii(test.as_bytes())
            .unwrap()
            .into_codes();
        let chunk = padded_chunk(&codes, 0, codes.len(), K_MAX);
        // the lowest orders walked, and read from tables of each height
        for top in [0, 1, 3, 5] {
            let model = model_of(train.as_bytes()).with_low_orders(top);
            let got = model.copy_orders(&chunk, None);
            for (i, j) in got.iter().enumerate() {
                let want = Some(naive(&train, &test, i));
                assert_eq!(*j, want, "position {i}, tables to order {top}");
            }
            let bands: Vec<CopyBand> = got.iter().map(|&j| CopyBand::of(j)).collect();
            assert_eq!(bands[250], CopyBand::Full);
            assert_eq!(bands[100], CopyBand::None);
        }
    }

    #[test]
    fn own_occurrence_is_left_out() {
        let mut rng = crate::rng::SplitMix64(3);
        let train: String = (0..2000)
            .map(|_| b"ACGT"[rng.below(4) as usize] as char)
            .collect();
        let model = model_of(train.as_bytes()).with_low_orders(5);
        let codes = EncodedSeq::from_ascii(train.as_bytes())
            .unwrap()
            .into_codes();
        let chunk = padded_chunk(&codes, 0, codes.len(), K_MAX);
        let locus = Locus {
            contig: "train",
            start: 0,
            reverse: false,
        };
        let with_own = model.copy_orders(&chunk, Some(&locus));
        // random sequence holds no other 33-base copy of itself
        assert!(with_own[100..1900].iter().all(|j| j.unwrap() < K_MAX));
        let without = model.copy_orders(&chunk, None);
        assert!(without[100..1900].iter().all(|&j| j == Some(K_MAX)));
    }
}
