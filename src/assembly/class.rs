//! What a contig is, from its name: the naming conventions of UCSC/GENCODE (`chr1`,
//! `chr1_KI270762v1_alt`, `chrUn_JTFH01000001v1_decoy`, `HLA-A*01:01:01:01`), T2T (`chr1`..`chrM`),
//! Ensembl (`1`, `MT`, `KI270728.1`, `CHR_HSCHR6_MHC_COX_CTG1`) and NCBI RefSeq/GenBank
//! (`NC_000001.11`, `NT_187361.1`, `NW_...`). A name that follows none of them (a non-model
//! assembly's `scaffold_123`) is primary sequence.

use std::fmt;
use std::str::FromStr;

/// The kind of sequence a contig holds, for splitting without leakage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContigClass {
    /// An assembled chromosome, or a scaffold of an assembly without chromosomes.
    Primary,
    /// The mitochondrial genome (`chrM`, `MT`).
    Mito,
    /// An alternate haplotype or a fix patch: a near copy of part of its parent.
    Alt,
    /// Placed on a chromosome but not localised on it (`chr1_..._random`).
    Random,
    /// Not placed on any chromosome (`chrUn_...`, Ensembl's `KI270728.1`).
    Unplaced,
    /// A decoy (`*_decoy`): sequence kept in the reference to attract reads.
    Decoy,
    /// An HLA allele (`HLA-A*01:01:01:01`): a copy of part of chromosome 6.
    Hla,
    /// Viral or other foreign sequence (`chrEBV`).
    Other,
}

impl ContigClass {
    pub const ALL: [ContigClass; 8] = [
        ContigClass::Primary,
        ContigClass::Mito,
        ContigClass::Alt,
        ContigClass::Random,
        ContigClass::Unplaced,
        ContigClass::Decoy,
        ContigClass::Hla,
        ContigClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContigClass::Primary => "primary",
            ContigClass::Mito => "mito",
            ContigClass::Alt => "alt",
            ContigClass::Random => "random",
            ContigClass::Unplaced => "unplaced",
            ContigClass::Decoy => "decoy",
            ContigClass::Hla => "hla",
            ContigClass::Other => "other",
        }
    }

    /// Sequence that copies part of a chromosome (alt, fix, HLA, decoy) or is placed on one
    /// (random): it must go wherever its parent goes.
    pub fn follows_parent(self) -> bool {
        matches!(
            self,
            ContigClass::Alt | ContigClass::Random | ContigClass::Decoy | ContigClass::Hla
        )
    }

    /// What the class is, in words, for the reasons in `splits.tsv`.
    pub fn describe(self) -> &'static str {
        match self {
            ContigClass::Primary => "primary sequence",
            ContigClass::Mito => "mitochondrion",
            ContigClass::Alt => "alt haplotype or fix patch",
            ContigClass::Random => "unlocalised (random) contig",
            ContigClass::Unplaced => "unplaced contig",
            ContigClass::Decoy => "decoy",
            ContigClass::Hla => "HLA allele",
            ContigClass::Other => "viral or other sequence",
        }
    }
}

impl fmt::Display for ContigClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContigClass {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        let lower = s.to_ascii_lowercase();
        let alias = match lower.as_str() {
            "chromosome" | "assembled-molecule" => "primary",
            "mt" | "mitochondrion" | "chrm" => "mito",
            "fix" | "fix-patch" | "novel-patch" | "alt-scaffold" => "alt",
            "unlocalized" | "unlocalized-scaffold" => "random",
            "unplaced-scaffold" | "chrun" => "unplaced",
            "viral" => "other",
            other => other,
        };
        ContigClass::ALL
            .into_iter()
            .find(|c| c.as_str() == alias)
            .ok_or_else(|| {
                let names: Vec<&str> = ContigClass::ALL.iter().map(|c| c.as_str()).collect();
                crate::Error::value(
                    s,
                    format!("not a contig class (one of {})", names.join(", ")),
                )
            })
    }
}

/// A contig's class and, for sequence placed on or copied from a chromosome, the label of
/// that chromosome as the name gives it (`1`, `X`; matched to the genome's own name for it by
/// [`chromosome_label`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameClass {
    pub class: ContigClass,
    pub parent_label: Option<String>,
    /// The name cannot settle the class: an NCBI `NT_`/`NW_` scaffold may be unplaced,
    /// unlocalised or an alt haplotype; only an assembly report tells which.
    pub unsure: bool,
}

impl NameClass {
    fn new(class: ContigClass, parent_label: Option<&str>) -> NameClass {
        NameClass {
            class,
            parent_label: parent_label.map(str::to_string),
            unsure: false,
        }
    }
}

/// The class of a contig from its name alone.
pub fn classify_name(name: &str) -> NameClass {
    use ContigClass::*;
    let lower = name.to_ascii_lowercase();
    if let Some(special) = special_name(&lower) {
        return special;
    }
    // Ensembl's alt haplotypes and patches: CHR_HSCHR6_MHC_COX_CTG1, CHR_HG2216_PATCH
    if let Some(label) = ensembl_alt_label(name) {
        return NameClass::new(Alt, label.as_deref());
    }
    if lower.starts_with("chr") {
        return ucsc_name(name);
    }
    scaffold_name(name, &lower).unwrap_or_else(|| NameClass::new(Primary, None))
}

/// The class of an NCBI RefSeq or Ensembl/GenBank scaffold's name (`lower`: the name in
/// lowercase), `None` for other names.
fn scaffold_name(name: &str, lower: &str) -> Option<NameClass> {
    use ContigClass::*;
    // NCBI RefSeq: NC_ chromosomes, NT_/NW_ scaffolds (unplaced, unlocalised or alt: only an
    // assembly report tells which, so they are left out as unplaced until one does).
    if lower.starts_with("nt_") || lower.starts_with("nw_") {
        return Some(NameClass {
            unsure: true,
            ..NameClass::new(Unplaced, None)
        });
    }
    // Ensembl/GenBank unplaced and unlocalised scaffolds: KI270728.1, GL000195.1
    if is_genbank_scaffold(name) {
        return Some(NameClass::new(Unplaced, None));
    }
    None
}

/// The classes every convention names alike (`lower`: the name in lowercase): HLA alleles,
/// mitochondria, EBV and plastids, decoys.
fn special_name(lower: &str) -> Option<NameClass> {
    use ContigClass::*;
    if lower.starts_with("hla-") {
        return Some(NameClass::new(Hla, Some("6")));
    }
    let mito = matches!(
        lower,
        "chrm" | "chrmt" | "mt" | "m" | "nc_012920.1" | "mito"
    ) || lower.ends_with("mtdna")
        || lower.ends_with("mitochondrion");
    if mito {
        return Some(NameClass::new(Mito, None));
    }
    if matches!(
        lower,
        "chrebv" | "ebv" | "nc_007605.1" | "chrc" | "pt" | "chrpt"
    ) {
        return Some(NameClass::new(Other, None));
    }
    lower
        .ends_with("_decoy")
        .then(|| NameClass::new(Decoy, None))
}

/// A UCSC/GENCODE name (`chr...`): chr1, chr1_KI270762v1_alt, chr1_KI270706v1_random,
/// chrUn_GL000195v1.
fn ucsc_name(name: &str) -> NameClass {
    use ContigClass::*;
    let rest = &name[3..];
    let label = rest.split('_').next().unwrap_or("");
    if label.eq_ignore_ascii_case("un") {
        return NameClass::new(Unplaced, None);
    }
    if !rest.contains('_') {
        return NameClass::new(Primary, None);
    }
    let suffix = name.rsplit('_').next().unwrap_or("").to_ascii_lowercase();
    match suffix.as_str() {
        "alt" | "fix" => NameClass::new(Alt, Some(label)),
        "random" => NameClass::new(Random, Some(label)),
        _ => NameClass::new(Primary, None),
    }
}

/// Ensembl's names of alt haplotypes and patches: `CHR_HSCHR6_MHC_COX_CTG1` (chromosome 6),
/// `CHR_HG2216_PATCH` (chromosome unknown: `Some(None)`).
fn ensembl_alt_label(name: &str) -> Option<Option<String>> {
    let rest = name.strip_prefix("CHR_")?;
    let label = rest.strip_prefix("HSCHR").map(|r| {
        let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
        match r.chars().next() {
            Some(c @ ('X' | 'Y')) if digits.is_empty() => c.to_string(),
            _ => digits,
        }
    });
    Some(label.filter(|l| !l.is_empty()))
}

/// GRC's scaffold accessions as Ensembl and GenBank name them: two capitals, six digits, a
/// version (`KI270728.1`, `GL000195.1`, `KN196487.1`, `JH159146.1`).
fn is_genbank_scaffold(name: &str) -> bool {
    let b = name.as_bytes();
    let prefix = matches!(
        &name.get(..2),
        Some("KI" | "GL" | "KN" | "KQ" | "KV" | "KZ" | "JH" | "ML" | "MU")
    );
    prefix
        && b.len() >= 10
        && b[2..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'.'
        && b[9..].iter().all(u8::is_ascii_digit)
}

/// The chromosome label a primary contig's name gives (`chr6` and `6` give `6`; NCBI's
/// human `NC_000006.12` gives `6`, `NC_000023` `X`), for matching placed contigs to their
/// parent; `None` for names that carry none.
pub fn chromosome_label(name: &str) -> Option<String> {
    if let Some(rest) = name
        .strip_prefix("chr")
        .or_else(|| name.strip_prefix("Chr"))
    {
        return (!rest.is_empty() && !rest.contains('_')).then(|| rest.to_string());
    }
    if let Some(acc) = name.strip_prefix("NC_0000") {
        let n: u32 = acc.get(..2)?.parse().ok()?;
        return match n {
            1..=22 => Some(n.to_string()),
            23 => Some("X".into()),
            24 => Some("Y".into()),
            _ => None,
        };
    }
    let short = name.len() <= 3 && name.bytes().all(|b| b.is_ascii_alphanumeric());
    short.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::ContigClass::*;
    use super::*;

    fn class(name: &str) -> (ContigClass, Option<String>) {
        let c = classify_name(name);
        (c.class, c.parent_label)
    }

    #[test]
    fn ucsc_gencode_and_t2t_names() {
        assert_eq!(class("chr1"), (Primary, None));
        assert_eq!(class("chrX"), (Primary, None));
        assert_eq!(class("chrM"), (Mito, None));
        assert_eq!(class("chr22_KI270879v1_alt"), (Alt, Some("22".into())));
        assert_eq!(class("chr1_KN196472v1_fix"), (Alt, Some("1".into())));
        assert_eq!(class("chr9_KI270717v1_random"), (Random, Some("9".into())));
        assert_eq!(class("chrUn_GL000195v1"), (Unplaced, None));
        assert_eq!(class("chrUn_JTFH01000001v1_decoy"), (Decoy, None));
        assert_eq!(class("chrEBV"), (Other, None));
        assert_eq!(class("HLA-A*01:01:01:01"), (Hla, Some("6".into())));
    }

    #[test]
    fn ensembl_ncbi_and_other_names() {
        assert_eq!(class("1"), (Primary, None));
        assert_eq!(class("MT"), (Mito, None));
        assert_eq!(class("KI270728.1"), (Unplaced, None));
        assert_eq!(class("GL000195.1"), (Unplaced, None));
        assert_eq!(class("CHR_HSCHR6_MHC_COX_CTG1"), (Alt, Some("6".into())));
        assert_eq!(
            class("CHR_HSCHR19KIR_FH05_B_HAP_CTG3_1"),
            (Alt, Some("19".into()))
        );
        assert_eq!(class("CHR_HG2216_PATCH"), (Alt, None));
        assert_eq!(class("NC_000001.11"), (Primary, None));
        assert_eq!(class("NC_012920.1"), (Mito, None));
        assert_eq!(class("NT_187361.1"), (Unplaced, None));
        assert!(classify_name("NW_021159987.1").unsure && !classify_name("KI270728.1").unsure);
        assert_eq!(class("scaffold_12345"), (Primary, None));
        assert_eq!(class("chr_1"), (Primary, None)); // the demo's names
        assert_eq!(class("CHROMOSOME_I"), (Primary, None));
        assert_eq!(class("CHROMOSOME_MtDNA"), (Mito, None)); // htslib's C. elegans test genome
    }

    #[test]
    fn labels_match_parents_across_conventions() {
        assert_eq!(chromosome_label("chr6").as_deref(), Some("6"));
        assert_eq!(chromosome_label("6").as_deref(), Some("6"));
        assert_eq!(chromosome_label("NC_000006.12").as_deref(), Some("6"));
        assert_eq!(chromosome_label("NC_000023.11").as_deref(), Some("X"));
        assert_eq!(chromosome_label("chr6_GL000250v2_alt"), None);
        assert_eq!(chromosome_label("scaffold_1"), None);
    }

    #[test]
    fn classes_parse_from_their_names_and_ncbi_roles() {
        for c in ContigClass::ALL {
            assert_eq!(c.as_str().parse::<ContigClass>().unwrap(), c);
        }
        assert_eq!("alt-scaffold".parse::<ContigClass>().unwrap(), Alt);
        assert_eq!(
            "unlocalized-scaffold".parse::<ContigClass>().unwrap(),
            Random
        );
        assert!(
            "haplotype"
                .parse::<ContigClass>()
                .unwrap_err()
                .to_string()
                .contains("primary")
        );
    }
}
