//! A genome's contigs classed: each contig's class and parent from the overrides (an
//! assembly report, a contig table) where they name it and from its name otherwise, with the
//! rule for scaffold-level assemblies. The split plan ([`super::plan`]) starts from these.

use std::collections::HashMap;

use super::class::{ContigClass, chromosome_label, classify_name};
use super::report::Overrides;

/// A contig as the plan sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContigInfo {
    pub name: String,
    pub len: u64,
    pub class: ContigClass,
    /// The contig it is placed on or copied from, when known.
    pub parent: Option<String>,
    /// The class is the name's guess, which only an assembly report settles
    /// ([`super::class::NameClass::unsure`]).
    pub unsure: bool,
}

/// Classes every contig: the overrides (assembly report, contig table) where they name it,
/// its name otherwise; a parent from a name is matched to the genome's primary contig with
/// the same chromosome label (`chr6` for `HLA-A*01:01`, `6` in Ensembl naming).
///
/// A genome none of whose contigs is primary by name or override is a scaffold-level
/// assembly: its scaffolds (NCBI `NW_`, GenBank accessions) are its primary sequence.
pub fn classify(contigs: &[(String, u64)], overrides: &Overrides) -> Vec<ContigInfo> {
    let mut out = classify_each(contigs, overrides);
    if !out.iter().any(|c| c.class == ContigClass::Primary) {
        for c in out.iter_mut() {
            if c.class == ContigClass::Unplaced && !overrides.contains_key(&c.name) {
                c.class = ContigClass::Primary;
                c.unsure = false;
            }
        }
    }
    out
}

fn classify_each(contigs: &[(String, u64)], overrides: &Overrides) -> Vec<ContigInfo> {
    let by_label = primary_labels(contigs);
    contigs
        .iter()
        .map(|(name, len)| {
            let (class, parent, unsure) = match overrides.get(name) {
                Some(g) => (g.class, g.parent.clone(), false),
                None => class_from_name(name, &by_label),
            };
            ContigInfo {
                name: name.clone(),
                len: *len,
                class,
                parent,
                unsure,
            }
        })
        .collect()
}

/// The primary contigs by their chromosome labels (in uppercase).
fn primary_labels(contigs: &[(String, u64)]) -> HashMap<String, &str> {
    contigs
        .iter()
        .filter(|(n, _)| classify_name(n).class == ContigClass::Primary)
        .filter_map(|(n, _)| chromosome_label(n).map(|l| (l.to_ascii_uppercase(), n.as_str())))
        .collect()
}

/// The class, parent (found in `by_label`) and unsureness of a contig from its name alone.
fn class_from_name(
    name: &str,
    by_label: &HashMap<String, &str>,
) -> (ContigClass, Option<String>, bool) {
    let c = classify_name(name);
    let parent = c
        .parent_label
        .and_then(|l| by_label.get(&l.to_ascii_uppercase()).map(|p| p.to_string()));
    (c.class, parent, c.unsure)
}
