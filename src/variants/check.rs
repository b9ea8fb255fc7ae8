//! Checks of a VCF line that htslib's parser would let through, coerced: POS must be a
//! whole number (htslib reads an empty POS as POS 0) and QUAL a number or `.` (htslib reads
//! it with `atof`, so `abc` is 0 and `1x` is 1); REF and every ALT allele must not be empty
//! (htslib reads `A,` as the alleles `A` and `.`).

use std::fmt;

/// What is wrong with a VCF record (the fields quoted as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRecord {
    /// Fewer than 8 columns: how many, and the line's start.
    Columns(usize, String),
    /// POS is not a whole number.
    Pos(String),
    /// POS is past what 64 bits hold.
    PosTooLarge(String),
    EmptyRef,
    /// ALT is empty or has an empty allele (`A,`).
    EmptyAllele(String),
    /// QUAL is neither a number nor `.`.
    Qual(String),
}

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRecord::Columns(n, line) => write!(
                f,
                "{n} tab-separated column(s), a VCF record has at least 8: {line}"
            ),
            BadRecord::Pos(p) => write!(f, "POS '{p}' is not a whole number"),
            BadRecord::PosTooLarge(p) => write!(f, "POS '{p}' is too large"),
            BadRecord::EmptyRef => write!(f, "REF is empty"),
            BadRecord::EmptyAllele(a) => write!(f, "ALT '{a}' has an empty allele"),
            BadRecord::Qual(q) => write!(f, "QUAL '{q}' is neither a number nor '.'"),
        }
    }
}

/// The first problem of `line`, a VCF record without its line break. (Run on every line,
/// so it only finds the tabs it needs and allocates nothing unless the line is bad.)
pub fn check_line(line: &[u8]) -> Result<(), BadRecord> {
    let tabs = first_tabs(line)?;
    check_pos(&line[tabs[0] + 1..tabs[1]])?;
    // htslib reads an empty REF as it is and an empty ALT allele (`A,`) as `.`
    let reference = &line[tabs[2] + 1..tabs[3]];
    if reference.is_empty() {
        return Err(BadRecord::EmptyRef);
    }
    let alt = &line[tabs[3] + 1..tabs[4]];
    if alt.is_empty() || alt.split(|&b| b == b',').any(<[u8]>::is_empty) {
        return Err(BadRecord::EmptyAllele(show(alt)));
    }
    let qual = &line[tabs[4] + 1..tabs[5]];
    if qual != b"." && !is_number(qual) {
        return Err(BadRecord::Qual(show(qual)));
    }
    Ok(())
}

/// Where the first seven tabs are: an eighth column (INFO) follows the seventh.
fn first_tabs(line: &[u8]) -> Result<[usize; 7], BadRecord> {
    let mut tabs = [0usize; 7];
    let mut n = 0;
    for (i, &b) in line.iter().enumerate() {
        if b == b'\t' {
            tabs[n] = i;
            n += 1;
            if n == tabs.len() {
                return Ok(tabs);
            }
        }
    }
    Err(BadRecord::Columns(n + 1, excerpt(line)))
}

/// POS: a whole number that fits 64 bits.
fn check_pos(pos: &[u8]) -> Result<(), BadRecord> {
    if pos.is_empty() || !pos.iter().all(u8::is_ascii_digit) {
        return Err(BadRecord::Pos(show(pos)));
    }
    let value = pos.iter().try_fold(0i64, |v, &d| {
        v.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    });
    match value {
        Some(_) => Ok(()),
        None => Err(BadRecord::PosTooLarge(show(pos))),
    }
}

fn is_number(field: &[u8]) -> bool {
    std::str::from_utf8(field).is_ok_and(|s| s.parse::<f64>().is_ok())
}

fn show(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

/// The start of a line for a message; htslib's parser leaves NULs where the tabs were.
pub fn excerpt(line: &[u8]) -> String {
    const MAX: usize = 80;
    let text: String = String::from_utf8_lossy(&line[..line.len().min(MAX)])
        .chars()
        .map(|c| if c == '\0' || c == '\t' { ' ' } else { c })
        .collect();
    if line.len() > MAX {
        format!("'{text}...'")
    } else {
        format!("'{text}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pos_and_qual_are_checked() {
        let ok = |l: &str| check_line(l.as_bytes());
        assert!(ok("c\t12\t.\tA\tC\t.\t.\t.").is_ok());
        assert!(ok("c\t12\t.\tA\tC\t30.5\tPASS\tX=1\tGT\t0/1").is_ok());
        assert!(ok("c\t12\t.\tA\tC\t1e3\t.\t.").is_ok());
        for (line, needle) in [
            ("c\t12\t.\tA\tC\tabc\t.\t.", "QUAL 'abc'"),
            ("c\t12\t.\tA\tC\t1x\t.\t.", "QUAL '1x'"),
            ("c\t12\t.\tA\tC\t\t.\t.", "QUAL ''"),
            ("c\t\t.\tA\tC\t.\t.\t.", "POS ''"),
            ("c\t+12\t.\tA\tC\t.\t.\t.", "POS '+12'"),
            ("c\t1.5\t.\tA\tC\t.\t.\t.", "POS '1.5'"),
            ("c\t99999999999999999999\t.\tA\tC\t.\t.\t.", "too large"),
            ("c\t12\t.\tA\tC\t.\t.", "7 tab-separated"),
            ("c\t12\t.\t\tC\t.\t.\t.", "REF is empty"),
            ("c\t12\t.\tA\tC,\t.\t.\t.", "ALT 'C,' has an empty allele"),
            ("c\t12\t.\tA\t,C\t.\t.\t.", "ALT ',C'"),
            ("c\t12\t.\tA\t\t.\t.\t.", "ALT ''"),
            ("", "1 tab-separated"),
        ] {
            let e = ok(line).unwrap_err().to_string();
            assert!(e.contains(needle), "{line:?}: {e}");
        }
    }
}
