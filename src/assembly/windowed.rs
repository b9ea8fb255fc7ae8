//! The splits table with what make-windows made of each contig: its windows and their
//! A/C/G/T bases, and a note where a contig in a split has nothing to score.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::Plan;
use crate::io::OutputFile;
use crate::regions::windows::WindowRow;
use crate::{Error, Result};

impl Plan {
    /// Writes the plan's TSV to `dest` with two more columns, `windows` and `acgt_bases`,
    /// from the windows table `rows` (windows of at most `max_unknown` unknown bases).
    pub fn write_with_windows(
        &self,
        rows: &[WindowRow],
        max_unknown: f64,
        dest: &Path,
    ) -> Result<()> {
        let per = per_contig(rows);
        let tsv = self.to_tsv();
        let mut lines = tsv.lines();
        let header = lines.next().unwrap_or_default();
        let mut out = OutputFile::create(dest)?;
        let io = |e| Error::io(dest, e);
        writeln!(out, "{header}\twindows\tacgt_bases").map_err(io)?;
        for (line, row) in lines.zip(&self.rows) {
            let (n, acgt) = per.get(row.info.name.as_str()).copied().unwrap_or((0, 0));
            let note = if row.split.is_some() && acgt == 0 {
                nothing_to_score(max_unknown)
            } else {
                String::new()
            };
            writeln!(out, "{line}{note}\t{n}\t{acgt}").map_err(io)?;
        }
        out.commit()
    }
}

/// The windows and A/C/G/T bases of each contig in the windows table `rows`.
fn per_contig(rows: &[WindowRow]) -> HashMap<&str, (u64, u64)> {
    let mut per: HashMap<&str, (u64, u64)> = HashMap::new();
    for r in rows {
        let e = per.entry(r.chrom.as_str()).or_default();
        e.0 += 1;
        e.1 += r.n_acgt;
    }
    per
}

/// The note on a contig in a split that has no window to score.
fn nothing_to_score(max_unknown: f64) -> String {
    format!(
        "; nothing to score: no window of it has at most {max_unknown} unknown bases and an A/C/G/T base"
    )
}
