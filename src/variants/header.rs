//! The output header: the input's, with the INFO fields dnactx adds, the genome's contigs
//! the input did not declare, and the model and version that scored it.

use rust_htslib::bcf::{Header, header::HeaderView};

use crate::genome::Genome;

use super::ContigNames;

/// The INFO fields added to every output record.
pub const INFO_LINES: [&str; 7] = [
    r#"##INFO=<ID=DNACTX_P_REF,Number=1,Type=Float,Description="dnactx: model probability of the REF base given its flanks">"#,
    r#"##INFO=<ID=DNACTX_P_ALT,Number=A,Type=Float,Description="dnactx: model probability of each ALT base given the flanks (SNVs only)">"#,
    r#"##INFO=<ID=DNACTX_LLR,Number=A,Type=Float,Description="dnactx: log2 p(ALT) - log2 p(REF) (SNVs only)">"#,
    r#"##INFO=<ID=DNACTX_PRED,Number=1,Type=String,Description="dnactx: most probable base given the flanks">"#,
    r#"##INFO=<ID=DNACTX_ENTROPY,Number=1,Type=Float,Description="dnactx: entropy of the prediction, bits">"#,
    r#"##INFO=<ID=DNACTX_NOT_SNV,Number=0,Type=Flag,Description="dnactx: at least one ALT allele is not an SNV (indel, MNP, symbolic) and was not scored">"#,
    r#"##INFO=<ID=DNACTX_REF_MISMATCH,Number=0,Type=Flag,Description="dnactx: REF is missing or does not match the genome; not scored">"#,
];

/// The header of the annotated output; `model` describes the model for `##dnactx_model`.
pub fn output_header(
    input: &HeaderView,
    genome: &Genome,
    names: &ContigNames,
    model: &str,
) -> Header {
    let mut header = Header::from_template(input);
    for line in INFO_LINES {
        header.push_record(line.as_bytes());
    }
    // A VCF without ##contig lines (htslib learns them from the records) gets them from the
    // genome, under the VCF's names, so the output header is complete.
    for c in genome.contigs() {
        let vcf = names.vcf_name(&c.name);
        if input.name2rid(vcf.as_bytes()).is_err() {
            header.push_record(format!("##contig=<ID={vcf},length={}>", c.len).as_bytes());
        }
    }
    header.push_record(format!("##dnactx_model={model}").as_bytes());
    header.push_record(format!("##dnactx_version={}", crate::VERSION).as_bytes());
    header
}
