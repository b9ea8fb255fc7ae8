//! Classes given rather than guessed: an NCBI assembly report (`*_assembly_report.txt`) or a
//! user's table (contig, class, parent), both overriding what the names say.

use std::collections::HashMap;
use std::path::Path;

use super::class::ContigClass;
use crate::{Error, Result};

/// A contig's class and its parent's name in the genome, as a report or table gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub class: ContigClass,
    pub parent: Option<String>,
}

/// Given classes by contig name (the genome's own names).
pub type Overrides = HashMap<String, Given>;

/// Reads an NCBI assembly report and matches its rows to the genome's contigs by any of the
/// names it gives (Sequence-Name, GenBank-Accn, RefSeq-Accn, UCSC-style-name), so it serves
/// UCSC, Ensembl, GenBank and RefSeq FASTA alike. A row whose length differs from the
/// contig's, or a report that names none of the contigs, is refused: it describes another
/// assembly. Contigs the report lacks (an analysis set's decoys, chrEBV) keep their names'
/// classes.
pub fn read_assembly_report(path: &Path, contigs: &[(String, u64)]) -> Result<Overrides> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let lengths: HashMap<&str, u64> = contigs.iter().map(|(n, l)| (n.as_str(), *l)).collect();
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        if f.len() < 9 {
            return Err(Error::parse(
                path,
                i + 1,
                format!(
                    "{} tab-separated columns, an assembly report has at least 9",
                    f.len()
                ),
            ));
        }
        let names = [f[0], f[4], f[6], f.get(9).copied().unwrap_or("na")];
        let own = names.into_iter().find(|n| lengths.contains_key(n));
        rows.push((i + 1, f, own.map(str::to_string)));
    }
    // each assembled molecule's name in the genome, for the parents
    let molecules: HashMap<&str, &str> = rows
        .iter()
        .filter(|(_, f, own)| f[1] == "assembled-molecule" && own.is_some())
        .map(|(_, f, own)| (f[2], own.as_deref().unwrap()))
        .collect();
    let mut out = Overrides::new();
    for (line, f, own) in &rows {
        let Some(own) = own else { continue };
        let len: u64 = f[8].parse().map_err(|_| {
            Error::parse(
                path,
                *line,
                format!("Sequence-Length '{}' is not a number", f[8]),
            )
        })?;
        if len != lengths[own.as_str()] {
            return Err(Error::parse(
                path,
                *line,
                format!(
                    "contig {own} has {} bases in the genome but {len} in the report: the report is of another assembly",
                    lengths[own.as_str()]
                ),
            ));
        }
        let class =
            report_class(f[1], f[3]).map_err(|e| Error::parse(path, *line, e.to_string()))?;
        let parent = match class.follows_parent() {
            true => molecules.get(f[2]).map(|p| p.to_string()),
            false => None,
        };
        out.insert(own.clone(), Given { class, parent });
    }
    if out.is_empty() {
        let first: Vec<&str> = contigs.iter().take(5).map(|(n, _)| n.as_str()).collect();
        return Err(Error::invalid(
            path,
            format!(
                "names none of the genome's contigs ({}, ...) in any of its name columns: it is the report of another assembly",
                first.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// A report row's class from its Sequence-Role and Assigned-Molecule-Location/Type.
fn report_class(role: &str, location: &str) -> Result<ContigClass> {
    Ok(match (role, location.to_ascii_lowercase().as_str()) {
        ("assembled-molecule", "mitochondrion") => ContigClass::Mito,
        ("assembled-molecule", "chromosome" | "linkage group") => ContigClass::Primary,
        ("assembled-molecule", _) => ContigClass::Other, // chloroplast, plasmid, ...
        ("alt-scaffold" | "fix-patch" | "novel-patch", _) => ContigClass::Alt,
        ("unlocalized-scaffold", _) => ContigClass::Random,
        ("unplaced-scaffold", _) => ContigClass::Unplaced,
        _ => {
            return Err(Error::value(
                role,
                "not a Sequence-Role the report format defines",
            ));
        }
    })
}

/// Reads a user's contig table: tab-separated `contig`, `class` and optionally `parent` (a
/// contig of the genome, or `.`/empty for none); lines starting with `#` and a header line
/// starting with `contig` are skipped. Every contig and parent must be in the genome.
pub fn read_contig_table(path: &Path, contigs: &[(String, u64)]) -> Result<Overrides> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let known: HashMap<&str, u64> = contigs.iter().map(|(n, l)| (n.as_str(), *l)).collect();
    let mut out = Overrides::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#')
            || line.trim().is_empty()
            || (i == 0 && line.starts_with("contig\t"))
        {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 2 {
            return Err(Error::parse(
                path,
                i + 1,
                "want contig<TAB>class[<TAB>parent]",
            ));
        }
        let check = |name: &str, what: &str| -> Result<()> {
            match known.contains_key(name) {
                true => Ok(()),
                false => Err(Error::parse(
                    path,
                    i + 1,
                    format!("{what} '{name}' is not a contig of the genome"),
                )),
            }
        };
        check(f[0], "contig")?;
        let class: ContigClass = f[1]
            .parse()
            .map_err(|e: Error| Error::parse(path, i + 1, e.to_string()))?;
        let parent = f
            .get(2)
            .map(|p| p.trim())
            .filter(|p| !p.is_empty() && *p != ".");
        if let Some(p) = parent {
            check(p, "parent")?;
        }
        let given = Given {
            class,
            parent: parent.map(str::to_string),
        };
        if out.insert(f[0].to_string(), given).is_some() {
            return Err(Error::parse(
                path,
                i + 1,
                format!("contig '{}' is listed twice", f[0]),
            ));
        }
    }
    Ok(out)
}
