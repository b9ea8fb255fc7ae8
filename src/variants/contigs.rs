//! VCF contig names to the genome's: a two-column map file, or a `chr` prefix added or
//! removed, or the names as they are.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::genome::Genome;
use crate::{Error, Result};

use super::Place;

/// A `chr` prefix to add to (or remove from) VCF names to get the genome's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChrPrefix {
    Add,
    Remove,
}

/// VCF contig names to genome names, and back.
pub struct ContigNames<'a> {
    map: HashMap<String, String>,
    /// The map read backwards: genome name to VCF name.
    inverse: HashMap<String, String>,
    prefix: Option<ChrPrefix>,
    genome: &'a Genome,
    input: PathBuf,
}

impl<'a> ContigNames<'a> {
    /// Names of the VCF `input` against `genome`, through the map file `map` (VCF name,
    /// genome name; tab-separated) or `prefix`.
    pub fn new(
        genome: &'a Genome,
        input: &Path,
        map: Option<&Path>,
        prefix: Option<ChrPrefix>,
    ) -> Result<Self> {
        let map = match map {
            Some(path) => read_map(path)?,
            None => HashMap::new(),
        };
        let inverse = map.iter().map(|(v, g)| (g.clone(), v.clone())).collect();
        Ok(ContigNames {
            map,
            inverse,
            prefix,
            genome,
            input: input.to_path_buf(),
        })
    }

    /// The VCF's name of a genome contig (the inverse mapping).
    pub fn vcf_name(&self, genome: &str) -> String {
        if let Some(vcf) = self.inverse.get(genome) {
            return vcf.clone();
        }
        match self.prefix {
            Some(ChrPrefix::Add) => genome.strip_prefix("chr").unwrap_or(genome).to_string(),
            Some(ChrPrefix::Remove) => format!("chr{genome}"),
            None => genome.to_string(),
        }
    }

    /// The VCF contig `vcf` under the map or the chr prefix rule, whether the genome has it or
    /// not.
    fn mapped(&self, vcf: &str) -> String {
        match (self.map.get(vcf), self.prefix) {
            (Some(n), _) => n.clone(),
            (None, Some(ChrPrefix::Add)) => format!("chr{vcf}"),
            (None, Some(ChrPrefix::Remove)) => vcf.strip_prefix("chr").unwrap_or(vcf).to_string(),
            (None, None) => vcf.to_string(),
        }
    }

    /// How to map names, when no mapping was given; empty when one was.
    fn mapping_hint(&self) -> &'static str {
        if self.map.is_empty() && self.prefix.is_none() {
            " (map names with --contig-map FILE or --chr-prefix add|remove)"
        } else {
            ""
        }
    }

    /// The genome's name of the VCF contig `vcf` of a record at 0-based `pos` (at `place`
    /// of the input); an error when the genome lacks it.
    pub fn genome_name(&self, vcf: &str, pos: i64, place: &Place) -> Result<String> {
        let name = self.mapped(vcf);
        if self.genome.contig(&name).is_some() {
            return Ok(name);
        }
        let how = self.mapping_hint();
        let mapped = if name != vcf {
            format!(" (mapped to '{name}')")
        } else {
            String::new()
        };
        Err(place.error(
            &self.input,
            format!(
                "record at {vcf}:{} is on contig '{vcf}'{mapped}, which {} lacks{how}; it has: {}",
                pos + 1,
                self.genome.path().display(),
                self.genome.contig_list()
            ),
        ))
    }
}

/// The map file: VCF name, tab, genome name; blank lines and `#` comments skipped.
fn read_map(path: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut map = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        match (cols.next(), cols.next()) {
            (Some(vcf), Some(genome)) => map.insert(vcf.to_string(), genome.to_string()),
            _ => {
                return Err(Error::parse(
                    path,
                    i + 1,
                    "expected two tab-separated columns (VCF name, genome name)",
                ));
            }
        };
    }
    Ok(map)
}
