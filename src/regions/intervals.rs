//! Sorted, merged sets of half-open intervals on one contig.

/// A half-open interval `[start, end)`.
pub type Interval = (u64, u64);

/// Intervals of one contig, sorted and merged (no overlaps, no touching neighbours).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntervalSet {
    ivs: Vec<Interval>,
}

impl IntervalSet {
    /// Sorts and merges any intervals; empty ones are dropped.
    pub fn from_unsorted(mut ivs: Vec<Interval>) -> Self {
        ivs.retain(|&(s, e)| e > s);
        ivs.sort_unstable();
        let mut merged: Vec<Interval> = Vec::with_capacity(ivs.len());
        for (s, e) in ivs {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        IntervalSet { ivs: merged }
    }

    pub fn intervals(&self) -> &[Interval] {
        &self.ivs
    }

    pub fn is_empty(&self) -> bool {
        self.ivs.is_empty()
    }

    /// Total bases covered.
    pub fn covered(&self) -> u64 {
        self.ivs.iter().map(|(s, e)| e - s).sum()
    }

    /// The position of the covered base `x` (0-based, counting covered bases only; `x` below
    /// [`covered`](Self::covered)).
    pub fn nth_position(&self, mut x: u64) -> u64 {
        for &(s, e) in &self.ivs {
            if x < e - s {
                return s + x;
            }
            x -= e - s;
        }
        panic!("covered base {x} past the set's end")
    }

    /// Bases of `[start, end)` covered by the set.
    pub fn overlap(&self, start: u64, end: u64) -> u64 {
        let first = self.ivs.partition_point(|&(_, e)| e <= start);
        self.ivs[first..]
            .iter()
            .take_while(|&&(s, _)| s < end)
            .map(|&(s, e)| e.min(end) - s.max(start))
            .sum()
    }

    /// Marks the covered positions of `[0, len)` in a boolean mask.
    pub fn to_mask(&self, len: usize) -> Vec<bool> {
        let mut mask = vec![false; len];
        for &(s, e) in &self.ivs {
            let (s, e) = (s.min(len as u64) as usize, e.min(len as u64) as usize);
            mask[s..e].fill(true);
        }
        mask
    }

    /// Flags for positions `start..start + n`: true where covered.
    pub fn mask_range(&self, start: u64, n: usize) -> Vec<bool> {
        let end = start + n as u64;
        let mut mask = vec![false; n];
        let first = self.ivs.partition_point(|&(_, e)| e <= start);
        for &(s, e) in self.ivs[first..].iter().take_while(|&&(s, _)| s < end) {
            let (a, b) = (s.max(start) - start, e.min(end) - start);
            mask[a as usize..b as usize].fill(true);
        }
        mask
    }

    /// The union of two sets.
    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut all = self.ivs.clone();
        all.extend_from_slice(&other.ivs);
        IntervalSet::from_unsorted(all)
    }
}

/// Maximal runs of `true` in `flags` as half-open intervals.
pub fn runs(flags: impl IntoIterator<Item = bool>) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0u64;
    for f in flags {
        match (f, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(s) = start {
        out.push((s, i));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn merge_matches_naive_mask(raw in proptest::collection::vec((0u64..200, 0u64..40), 0..30)) {
            let ivs: Vec<Interval> = raw.iter().map(|&(s, l)| (s, s + l)).collect();
            let set = IntervalSet::from_unsorted(ivs.clone());
            let mut naive = vec![false; 260];
            for &(s, e) in &ivs { for p in s..e { naive[p as usize] = true; } }
            prop_assert_eq!(set.to_mask(260), naive.clone());
            prop_assert_eq!(runs(naive.iter().copied()), set.intervals().to_vec());
            // the n-th covered base is the n-th true of the mask
            let covered: Vec<u64> = (0..260).filter(|&p| naive[p as usize]).collect();
            for (x, &p) in covered.iter().enumerate() {
                prop_assert_eq!(set.nth_position(x as u64), p);
            }
            let (a, b) = (37u64, 151u64);
            let want = (a..b).filter(|&p| naive[p as usize]).count() as u64;
            prop_assert_eq!(set.overlap(a, b), want);
            prop_assert_eq!(set.mask_range(a, (b - a) as usize), naive[a as usize..b as usize].to_vec());
        }
    }
}
