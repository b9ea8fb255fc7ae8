//! How an index build fits a memory bound: one pass when the whole text sorts within it,
//! parts below 2^31 positions merged one by one otherwise ([`super::merge`]), and the
//! smallest bound that works when none does.
//!
//! The model, per text position (both strands and the separators): sorting a part holds its
//! text and libsais's suffix array, 1 + 4 bytes (1 + 8 from 2^31 positions); the BWT as rank
//! blocks takes 0.5; a merge holds the accumulated blocks, the part's, the merged ones and a
//! bit per merged row: about 1.125 bytes per position of the whole text. Besides: the reader's
//! contig buffer, 40 bytes per indexed run (the run and its two dollars) and 160 MB for the
//! process itself (its libraries, the genome's index, the regions).

use crate::{Error, Result};

/// The largest text libsais sorts with its 4-byte suffix array.
pub const MAX_PART32: u64 = i32::MAX as u64 - 1;

/// The text to index, as [`super::build::TextBuilder`] will see it.
#[derive(Clone, Copy, Debug)]
pub struct TextSize {
    /// Positions: two per base and two per run.
    pub positions: u64,
    /// Positions of the longest run (a part holds at least one).
    pub longest_run: u64,
    pub runs: u64,
    /// Bytes held besides the index (the largest contig as read).
    pub reader: u64,
}

/// How an index will be built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryPlan {
    /// Positions per part; `u64::MAX` for one pass.
    pub part_limit: u64,
    /// Parts expected (1: one pass).
    pub parts: u64,
    /// Expected peak bytes.
    pub peak: u64,
}

fn sort_bytes(positions: u64) -> u64 {
    positions * if positions <= MAX_PART32 { 5 } else { 9 }
}

impl TextSize {
    fn fixed(&self) -> u64 {
        self.reader + 40 * self.runs + (160 << 20)
    }

    /// Peak of a build in parts of `part` positions.
    fn peak_in_parts(&self, part: u64) -> u64 {
        let n = self.positions;
        let building = sort_bytes(part) + (n - part.min(n)) / 2;
        let merging = n + n / 8;
        building.max(merging) + self.fixed()
    }

    fn peak_one_pass(&self) -> u64 {
        sort_bytes(self.positions) + self.fixed()
    }

    /// The error of a `bound` below the `needed` bytes, which it names (rounded up to a tenth
    /// of a GB) as the smallest that works.
    fn too_small(&self, bound: u64, needed: u64) -> Error {
        let tenth = (1u64 << 30) / 10;
        Error::config(
            "--max-memory",
            format!(
                "a memory bound of {} is too small to index {} positions (longest run {}): \
             the smallest that works is --max-memory {:.1}G",
                human(bound),
                self.positions,
                self.longest_run,
                needed.div_ceil(tenth) as f64 / 10.0
            ),
        )
    }

    /// The plan within `bound` bytes, or the smallest bound that works.
    pub fn plan(&self, bound: u64) -> Result<MemoryPlan> {
        let n = self.positions;
        if n <= MAX_PART32 && self.peak_one_pass() <= bound {
            return Ok(MemoryPlan {
                part_limit: u64::MAX,
                parts: 1,
                peak: self.peak_one_pass(),
            });
        }
        let smallest = self.longest_run.max(1);
        let needed = self.peak_in_parts(smallest);
        if needed > bound {
            return Err(self.too_small(bound, needed));
        }
        // The largest part that fits: building costs 4.5 bytes a position beyond the rest.
        let spare = bound - self.fixed() - n / 2;
        let part = (spare * 2 / 9).clamp(smallest, MAX_PART32.max(smallest));
        Ok(MemoryPlan {
            part_limit: part,
            parts: n.div_ceil(part),
            peak: self.peak_in_parts(part),
        })
    }
}

/// Bytes as GB or MB with one decimal.
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MB", bytes as f64 / (1u64 << 20) as f64)
    }
}

/// A size such as `12G`, `800M`, `16000000000` (bytes; K, M, G, T in powers of 1024).
pub fn parse_size(s: &str) -> crate::Result<u64> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let shift = match unit.trim_end_matches('B').trim_end_matches('I') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(Error::value(s, "a size is a number with K, M, G or T")),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| Error::value(s, "a size is a number with K, M, G or T"))?;
    if v.is_nan() || v <= 0.0 {
        return Err(Error::value(s, "a size must be positive"));
    }
    Ok((v * (1u64 << shift) as f64) as u64)
}

/// What this process may use: the cgroup's limit (a SLURM job's allocation, a container's)
/// or, without one, the memory the system reports available.
pub fn available() -> Option<u64> {
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .filter_map(|p| std::fs::read_to_string(p).ok())
    .filter_map(|s| s.trim().parse::<u64>().ok())
    .find(|&v| v < 1 << 60);
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    match (cgroup, meminfo) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: u64 = 1 << 30;

    fn human_split(positions: u64) -> TextSize {
        TextSize {
            positions,
            longest_run: 2 * 120_000_000,
            runs: 2_000,
            reader: 250_000_000,
        }
    }

    #[test]
    fn small_texts_sort_in_one_pass() {
        let p = human_split(100_000_000).plan(16 * G).unwrap();
        assert_eq!((p.parts, p.part_limit), (1, u64::MAX));
    }

    #[test]
    fn human_texts_fit_the_targets() {
        // a 1.5 Gb train split in 12 GB, a whole genome in 16 GB (issue 29)
        for (n, bound) in [(3_000_000_000u64, 12 * G), (6_200_000_000, 16 * G)] {
            let p = human_split(n).plan(bound).unwrap();
            assert!(p.peak <= bound && p.part_limit <= MAX_PART32, "{n}: {p:?}");
            assert!(p.parts >= 2, "{n}: {p:?}");
        }
    }

    #[test]
    fn a_bound_too_small_names_the_smallest_that_works() {
        let t = human_split(6_200_000_000);
        let e = t.plan(4 * G).unwrap_err().to_string();
        assert!(e.contains("smallest that works"), "{e}");
        let want = e.split("--max-memory ").nth(1).unwrap();
        let enough = parse_size(want).unwrap();
        assert!(t.plan(enough).is_ok(), "{want}");
        assert!(t.plan(enough - G / 5).is_err(), "{want}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("12G").ok(), Some(12 * G));
        assert_eq!(parse_size("800M").ok(), Some(800 << 20));
        assert_eq!(parse_size("1.5g").ok(), Some(3 * G / 2));
        assert_eq!(parse_size("16GiB").ok(), Some(16 * G));
        assert_eq!(parse_size("4096").ok(), Some(4096));
        assert!(parse_size("12X").is_err() && parse_size("0").is_err());
    }
}
