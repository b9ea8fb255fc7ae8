//! A record's scores as INFO fields (declared by [`super::header::INFO_LINES`]).

use rust_htslib::bcf::Record;
use rust_htslib::bcf::record::Numeric;

use super::RecordScore;

/// Adds the INFO fields of `score` to `rec`: P_REF, P_ALT and LLR (one value per ALT,
/// missing for an allele not scored), PRED and ENTROPY, and the NOT_SNV and REF_MISMATCH
/// flags.
pub fn annotate(rec: &mut Record, score: &RecordScore) -> rust_htslib::errors::Result<()> {
    if let Some(p) = score.p_ref {
        rec.push_info_float(b"DNACTX_P_REF", &[p])?;
    }
    if score.alleles.iter().any(|a| a.p_alt.is_some()) {
        let missing_or = |v: Option<f32>| v.unwrap_or_else(f32::missing);
        let p_alt: Vec<f32> = score.alleles.iter().map(|a| missing_or(a.p_alt)).collect();
        let llr: Vec<f32> = score.alleles.iter().map(|a| missing_or(a.llr)).collect();
        rec.push_info_float(b"DNACTX_P_ALT", &p_alt)?;
        rec.push_info_float(b"DNACTX_LLR", &llr)?;
    }
    if let Some((pred, entropy)) = score.pred_entropy() {
        rec.push_info_string(b"DNACTX_PRED", &[&[pred]])?;
        rec.push_info_float(b"DNACTX_ENTROPY", &[entropy])?;
    }
    if score.any_not_snv() {
        rec.push_info_flag(b"DNACTX_NOT_SNV")?;
    }
    if score.ref_mismatch {
        rec.push_info_flag(b"DNACTX_REF_MISMATCH")?;
    }
    Ok(())
}
