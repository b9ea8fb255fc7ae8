//! mask-repeats' work: each contig's soft-masked runs, DUST intervals and annotations,
//! merged and written as one BED in genome order.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::{DustParams, Labelled, dust, merge_labelled, soft_masked};
use crate::genome::{EncodedSeq, Genome};
use crate::io::OutputFile;
use crate::regions::{IntervalSet, bed};
use crate::{Error, Result};

/// The sources of a repeat mask.
pub struct MaskSources {
    pub softmask: bool,
    pub dust: Option<DustParams>,
    /// BED annotations, each named by its file (see [`source_name`]).
    pub annotations: Vec<(String, BTreeMap<String, IntervalSet>)>,
}

impl MaskSources {
    /// Reads the BED annotations `beds` (checked against `genome`).
    pub fn with_beds(
        softmask: bool,
        dust: Option<DustParams>,
        beds: &[impl AsRef<Path>],
        genome: &Genome,
    ) -> Result<MaskSources> {
        let annotations = beds
            .iter()
            .map(|p| Ok((source_name(p.as_ref()), bed::read_sets(p.as_ref(), genome)?)))
            .collect::<Result<_>>()?;
        Ok(MaskSources {
            softmask,
            dust,
            annotations,
        })
    }

    /// The repeats of the contig `name` (bases `seq`) by each source, labelled with its bit.
    fn intervals(&self, name: &str, seq: &EncodedSeq) -> Vec<Labelled> {
        let mut ivs: Vec<Labelled> = Vec::new();
        if self.softmask {
            ivs.extend(soft_masked(seq).into_iter().map(|iv| Labelled::new(iv, 1)));
        }
        if let Some(params) = self.dust {
            let found = dust(seq.codes(), params);
            ivs.extend(found.into_iter().map(|iv| Labelled::new(iv, 2)));
        }
        for (i, (_, ann)) in self.annotations.iter().enumerate() {
            if let Some(set) = ann.get(name) {
                ivs.extend(set.intervals().iter().map(|&iv| Labelled::new(iv, 4 << i)));
            }
        }
        ivs
    }

    /// The name column's labels: bit i of an interval's sources is label i.
    fn labels(&self) -> Vec<&str> {
        let fixed = ["softmask", "dust"].into_iter();
        fixed
            .chain(self.annotations.iter().map(|a| a.0.as_str()))
            .collect()
    }
}

/// Writes the BED `dest` (chrom, start, end, sources) of `genome`'s repeats, contig by
/// contig so that memory holds one contig's intervals at a time.
pub fn write_mask(genome: &Genome, sources: &MaskSources, dest: &Path, quiet: bool) -> Result<()> {
    let labels = sources.labels();
    let total: u64 = genome.contigs().iter().map(|c| c.len as u64).sum();
    let pb = crate::progress::bar(total, "mask-repeats", quiet);
    let mut out = OutputFile::create(dest)?;
    genome.visit(&genome.names(), |contig, seq| {
        for iv in merge_labelled(sources.intervals(&contig.name, &seq)) {
            let (s, e, name) = (iv.start, iv.end, label(iv.sources, &labels));
            writeln!(out, "{}\t{s}\t{e}\t{name}", contig.name).map_err(|e| Error::io(dest, e))?;
        }
        pb.inc(contig.len as u64);
        Ok(())
    })?;
    pb.finish_and_clear();
    out.commit()
}

fn label(bits: u32, labels: &[&str]) -> String {
    labels
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join(",")
}

/// A BED annotation's source name: `rmsk.bed.gz` -> `rmsk`.
pub fn source_name(path: &Path) -> String {
    let name = crate::io::file_name(path);
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.strip_suffix(".bed").unwrap_or(name);
    name.replace([',', '\t', ' '], "_")
}
