//! Scoring the SNVs of records through the predictor: `LLR = log2 p(ALT) - log2 p(REF)`,
//! with p the model's prediction of the center base from its flanks.

use crate::genome::encode;
use crate::predict::{self, Predictor, Probs};

/// Why an allele was not scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// ALT is not a single A/C/G/T replacing a single-base REF (indel, MNP, symbolic, `*`).
    NotSnv,
    /// REF is missing or does not match the genome.
    RefMismatch,
    /// The genome has an unknown base there, or the model gave no prediction.
    NoPrediction,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::NotSnv => "not_snv",
            Skip::RefMismatch => "ref_mismatch",
            Skip::NoPrediction => "no_prediction",
        }
    }
}

/// One allele's score, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct AlleleScore {
    pub alt: Vec<u8>,
    pub p_alt: Option<f32>,
    pub llr: Option<f32>,
    pub skip: Option<Skip>,
}

/// The scores of one VCF record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordScore {
    /// The model's view of the position; `None` when REF mismatches or nothing was predicted.
    pub probs: Option<Probs>,
    pub p_ref: Option<f32>,
    pub alleles: Vec<AlleleScore>,
    pub ref_mismatch: bool,
}

impl RecordScore {
    /// The most probable base and the entropy (bits) of the prediction.
    pub fn pred_entropy(&self) -> Option<(u8, f32)> {
        self.probs.map(|p| {
            (
                encode::BASES[predict::argmax(&p)],
                predict::entropy_bits(&p),
            )
        })
    }

    pub fn any_not_snv(&self) -> bool {
        self.alleles.iter().any(|a| a.skip == Some(Skip::NotSnv))
    }
}

/// A record to score: its 0-based position and alleles (REF first).
pub struct Site<'a> {
    pub pos: usize,
    pub alleles: Vec<&'a [u8]>,
}

fn base_code(b: u8) -> Option<usize> {
    match b.to_ascii_uppercase() {
        b'A' => Some(0),
        b'C' => Some(1),
        b'G' => Some(2),
        b'T' => Some(3),
        _ => None,
    }
}

/// Does REF match the genome at `pos` (case-insensitive; IUPAC codes only match themselves)?
pub fn ref_matches(codes: &[u8], pos: usize, reference: &[u8]) -> bool {
    if reference.is_empty() || reference == b"." || pos + reference.len() > codes.len() {
        return false;
    }
    reference
        .iter()
        .zip(&codes[pos..pos + reference.len()])
        .all(|(&r, &c)| {
            let g = encode::decode(c).to_ascii_uppercase();
            let r = r.to_ascii_uppercase();
            r == g || (!encode::is_acgt(c) && r != b'A' && r != b'C' && r != b'G' && r != b'T')
        })
}

/// Scores the sites of one contig (`codes`) in one batch through the predictor. Every
/// site must lie on the contig.
pub fn score_sites(
    predictor: &dyn Predictor,
    codes: &[u8],
    sites: &[Site],
    rc_average: bool,
) -> crate::Result<Vec<RecordScore>> {
    if let Some(s) = sites.iter().find(|s| s.pos >= codes.len()) {
        return Err(crate::Error::Internal(format!(
            "position {} (0-based) is outside a contig of {} bases",
            s.pos,
            codes.len()
        )));
    }
    let flank = predictor.flank();
    let inputs: Vec<Vec<u8>> = sites
        .iter()
        .map(|s| predict::padded_chunk(codes, s.pos, s.pos + 1, flank))
        .collect();
    let probs = predict::predict_strands(predictor, &inputs, None, rc_average)?;
    Ok(sites
        .iter()
        .zip(probs)
        .map(|(site, p)| score_one(codes, site, p.first().copied()))
        .collect())
}

fn score_one(codes: &[u8], site: &Site, probs: Option<Probs>) -> RecordScore {
    let at_site = SiteScores::at(codes, site, probs);
    let alleles = site.alleles[1..]
        .iter()
        .map(|&alt| at_site.allele(alt))
        .collect();
    RecordScore {
        probs: at_site.probs,
        p_ref: at_site.p_ref,
        alleles,
        ref_mismatch: !at_site.ref_ok,
    }
}

/// What a site's ALT alleles are scored against: whether REF matches the genome, REF's base
/// if it is one, the probabilities there and REF's.
struct SiteScores {
    ref_ok: bool,
    ref_base: Option<usize>,
    probs: Option<Probs>,
    p_ref: Option<f32>,
}

impl SiteScores {
    /// What `site` on `codes` is scored against, `probs` the model's there (kept only when
    /// REF matches the genome and they are not NaN).
    fn at(codes: &[u8], site: &Site, probs: Option<Probs>) -> SiteScores {
        let reference = site.alleles.first().copied().unwrap_or_default();
        let ref_ok = ref_matches(codes, site.pos, reference);
        let probs = probs.filter(|p| !p[0].is_nan() && ref_ok);
        let ref_base = (reference.len() == 1)
            .then(|| base_code(reference[0]))
            .flatten();
        let p_ref = match (probs, ref_base) {
            (Some(p), Some(r)) => Some(p[r]),
            _ => None,
        };
        SiteScores {
            ref_ok,
            ref_base,
            probs,
            p_ref,
        }
    }

    /// The score of the ALT allele `alt`, or why it has none.
    fn allele(&self, alt: &[u8]) -> AlleleScore {
        let alt_base = (alt.len() == 1).then(|| base_code(alt[0])).flatten();
        let skip = if alt_base.is_none() || self.ref_base.is_none() {
            Some(Skip::NotSnv)
        } else if !self.ref_ok {
            Some(Skip::RefMismatch)
        } else if self.probs.is_none() {
            Some(Skip::NoPrediction)
        } else {
            None
        };
        let (p_alt, llr) = match (skip, self.probs, alt_base, self.p_ref) {
            (None, Some(p), Some(a), Some(r)) => (Some(p[a]), Some(p[a].log2() - r.log2())),
            _ => (None, None),
        };
        AlleleScore {
            alt: alt.to_vec(),
            p_alt,
            llr,
            skip,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;

    /// A predictor that always says A 0.4, C 0.3, G 0.2, T 0.1.
    struct Fixed;
    impl Predictor for Fixed {
        fn flank(&self) -> usize {
            2
        }
        fn describe(&self) -> String {
            "fixed".into()
        }
        fn predict_chunks(&self, chunks: &[Vec<u8>]) -> crate::Result<Vec<Vec<Probs>>> {
            Ok(chunks
                .iter()
                .map(|c| vec![[0.4, 0.3, 0.2, 0.1]; c.len() - 4])
                .collect())
        }
    }

    #[test]
    fn snvs_indels_and_mismatches() {
        let seq = EncodedSeq::from_ascii(b"ACGTNacgt").unwrap();
        let site = |pos, alleles: &[&'static str]| Site {
            pos,
            alleles: alleles.iter().map(|a| a.as_bytes()).collect(),
        };
        let sites = [
            site(1, &["C", "A", "T"]),
            site(1, &["C", "CA", "<DEL>"]),
            site(2, &["T", "A"]),
            site(4, &["N", "A"]),
            site(6, &["c", "G"]),
            site(0, &[".", "G"]),
        ];
        let got = score_sites(&Fixed, seq.codes(), &sites, false).unwrap();
        assert_eq!(got[0].p_ref, Some(0.3));
        assert_eq!(got[0].alleles[0].p_alt, Some(0.4));
        assert!((got[0].alleles[0].llr.unwrap() - (0.4f32.log2() - 0.3f32.log2())).abs() < 1e-6);
        assert!((got[0].alleles[1].llr.unwrap() - (0.1f32.log2() - 0.3f32.log2())).abs() < 1e-6);
        assert_eq!(got[0].pred_entropy().unwrap().0, b'A');
        assert!(
            got[1].alleles.iter().all(|a| a.skip == Some(Skip::NotSnv)) && got[1].any_not_snv()
        );
        assert!(got[2].ref_mismatch && got[2].alleles[0].skip == Some(Skip::RefMismatch));
        assert_eq!(
            got[3].alleles[0].skip,
            Some(Skip::NotSnv),
            "N is not a base to score"
        );
        assert_eq!(
            got[4].alleles[0].p_alt,
            Some(0.2),
            "lowercase REF matches a soft-masked base"
        );
        assert!(got[5].ref_mismatch, "a missing REF is not scored");
    }

    #[test]
    fn a_site_off_the_contig_is_an_error_not_a_panic() {
        let seq = EncodedSeq::from_ascii(b"ACGT").unwrap();
        for pos in [4, 5, 100] {
            let sites = [Site {
                pos,
                alleles: vec![b"A", b"C"],
            }];
            let e = score_sites(&Fixed, seq.codes(), &sites, false).unwrap_err();
            assert!(e.to_string().contains("outside a contig of 4 bases"), "{e}");
        }
        let last = [Site {
            pos: 3,
            alleles: vec![b"T", b"C"],
        }];
        assert_eq!(
            score_sites(&Fixed, seq.codes(), &last, false).unwrap()[0].p_ref,
            Some(0.1)
        );
    }
}
