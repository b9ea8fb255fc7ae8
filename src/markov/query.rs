//! The model's probabilities at chosen positions as a TSV in full precision (`query-index`):
//! for inspecting the model and checking it against an independent count.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use super::MarkovModel;
use crate::genome::{Genome, encode};
use crate::io::OutputFile;
use crate::predict::{Locus, padded_chunk};
use crate::regions::IntervalSet;
use crate::{Error, Result};

/// The TSV's header: chrom, pos (0-based), ref, then p_A..p_T (`nan` where the base is not
/// A/C/G/T).
const HEADER: &str = "chrom\tpos\tref\tp_A\tp_C\tp_G\tp_T";

/// Writes the probabilities of every position of `sets` to `dest` (`-`: standard output), the
/// contigs in the genome's order.
pub fn write_probabilities(
    model: &MarkovModel,
    genome: &Genome,
    sets: &HashMap<String, IntervalSet>,
    dest: &Path,
) -> Result<()> {
    let order = crate::regions::windows::in_genome_order(genome, sets);
    let mut out = OutputFile::create(dest)?;
    writeln!(out, "{HEADER}").map_err(|e| Error::io(dest, e))?;
    genome.visit(&order, |contig, seq| {
        let codes = seq.codes();
        for &(s, e) in sets[&contig.name].intervals() {
            let chunk = padded_chunk(codes, s as usize, e as usize, model.settings().k);
            let locus = Locus {
                contig: &contig.name,
                start: s,
                reverse: false,
            };
            let probs = model.predict_f64(&chunk, Some(&locus));
            write_rows(&mut out, &contig.name, s as usize, codes, &probs)
                .map_err(|e| Error::io(dest, e))?;
        }
        model.check_failure()
    })?;
    out.commit()
}

/// One row per position from `start`: its contig, position, base and probabilities.
fn write_rows(
    out: &mut impl Write,
    contig: &str,
    start: usize,
    codes: &[u8],
    probs: &[[f64; 4]],
) -> std::io::Result<()> {
    for (i, p) in probs.iter().enumerate() {
        let pos = start + i;
        let r = encode::decode(codes[pos]) as char;
        write!(out, "{contig}\t{pos}\t{r}")?;
        for x in p {
            if x.is_nan() {
                write!(out, "\tnan")?;
            } else {
                write!(out, "\t{x:.16e}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}
