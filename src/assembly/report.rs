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
    let rows = report_rows(path, &text, &lengths)?;
    // each assembled molecule's name in the genome, for the parents
    let molecules: HashMap<&str, &str> = rows
        .iter()
        .filter_map(|r| Some((r.fields[2], r.own?)).filter(|_| r.fields[1] == "assembled-molecule"))
        .collect();
    let mut out = Overrides::new();
    for row in &rows {
        if let Some(own) = row.own {
            let given = row.given(path, lengths[own], &molecules)?;
            out.insert(own.to_string(), given);
        }
    }
    if out.is_empty() {
        return Err(names_none(path, contigs));
    }
    Ok(out)
}

/// The error for a report that names none of the genome's `contigs`.
fn names_none(path: &Path, contigs: &[(String, u64)]) -> Error {
    let first: Vec<&str> = contigs.iter().take(5).map(|(n, _)| n.as_str()).collect();
    Error::other_genome(
        path,
        format!(
            "names none of the genome's contigs ({}, ...) in any of its name columns: it is the report of another assembly",
            first.join(", ")
        ),
    )
}

/// One row of an assembly report: its line, its fields and the genome's name for it.
struct ReportRow<'a> {
    line: usize,
    fields: Vec<&'a str>,
    own: Option<&'a str>,
}

/// The report's rows (comments and blank lines left out), each matched to a contig by any of
/// its name columns.
fn report_rows<'a>(
    path: &Path,
    text: &'a str,
    lengths: &HashMap<&str, u64>,
) -> Result<Vec<ReportRow<'a>>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        rows.push(report_row(path, i + 1, line, lengths)?);
    }
    Ok(rows)
}

/// Line `at`'s fields, matched to a contig by any of its name columns.
fn report_row<'a>(
    path: &Path,
    at: usize,
    line: &'a str,
    lengths: &HashMap<&str, u64>,
) -> Result<ReportRow<'a>> {
    let f: Vec<&str> = line.split('\t').map(str::trim).collect();
    if f.len() < 9 {
        return Err(Error::parse(
            path,
            at,
            format!(
                "{} tab-separated columns, an assembly report has at least 9",
                f.len()
            ),
        ));
    }
    let names = [f[0], f[4], f[6], f.get(9).copied().unwrap_or("na")];
    let own = names.into_iter().find(|n| lengths.contains_key(n));
    Ok(ReportRow {
        line: at,
        fields: f,
        own,
    })
}

impl ReportRow<'_> {
    /// Checks that the row's Sequence-Length is a number and the contig's `len` in the genome.
    fn check_length(&self, path: &Path, len: u64) -> Result<()> {
        let (f, line) = (&self.fields, self.line);
        let own = self.own.unwrap_or_default();
        let reported: u64 = f[8].parse().map_err(|_| {
            Error::parse(
                path,
                line,
                format!("Sequence-Length '{}' is not a number", f[8]),
            )
        })?;
        if reported != len {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "contig {own} has {len} bases in the genome but {reported} in the report: the report is of another assembly"
                ),
            ));
        }
        Ok(())
    }

    /// The class and parent the row gives its contig (of `len` bases in the genome), the
    /// parent named as in the genome (`molecules`).
    fn given(&self, path: &Path, len: u64, molecules: &HashMap<&str, &str>) -> Result<Given> {
        let (f, line) = (&self.fields, self.line);
        self.check_length(path, len)?;
        let class =
            report_class(f[1], f[3]).map_err(|e| Error::parse(path, line, e.to_string()))?;
        let parent = match class.follows_parent() {
            true => molecules.get(f[2]).map(|p| p.to_string()),
            false => None,
        };
        Ok(Given { class, parent })
    }
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
        let header = i == 0 && line.starts_with("contig\t");
        if line.starts_with('#') || line.trim().is_empty() || header {
            continue;
        }
        let (name, given) =
            table_row(line, &known).map_err(|why| Error::parse(path, i + 1, why.to_string()))?;
        if out.insert(name.to_string(), given).is_some() {
            return Err(Error::parse(
                path,
                i + 1,
                format!("contig '{name}' is listed twice"),
            ));
        }
    }
    Ok(out)
}

/// A contig table's line: the contig and what it gives it; what is wrong, when the line
/// is bad.
fn table_row<'a>(line: &'a str, known: &HashMap<&str, u64>) -> Result<(&'a str, Given), BadRow> {
    let f: Vec<&str> = line.split('\t').collect();
    if f.len() < 2 {
        return Err(BadRow::Columns);
    }
    let check = |name: &str, what: &'static str| match known.contains_key(name) {
        true => Ok(()),
        false => Err(BadRow::Unknown(what, name.to_string())),
    };
    check(f[0], "contig")?;
    let class: ContigClass = f[1].parse().map_err(BadRow::Class)?;
    let parent = f
        .get(2)
        .map(|p| p.trim())
        .filter(|p| !p.is_empty() && *p != ".");
    if let Some(p) = parent {
        check(p, "parent")?;
    }
    let parent = parent.map(str::to_string);
    Ok((f[0], Given { class, parent }))
}

/// What is wrong with a line of a contig table.
#[derive(Debug)]
enum BadRow {
    Columns,
    /// A contig or parent (which, and its name) the genome lacks.
    Unknown(&'static str, String),
    Class(Error),
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadRow::Columns => write!(f, "want contig<TAB>class[<TAB>parent]"),
            BadRow::Unknown(what, name) => {
                write!(f, "{what} '{name}' is not a contig of the genome")
            }
            BadRow::Class(e) => write!(f, "{e}"),
        }
    }
}
