//! Where a scoring pass's chunks sit in the rows of its input: one chunk a row, or, on a
//! device that runs every pass at one shape (CUDA), packed end to end into rows of that
//! width, so that short chunks (a draft assembly's scaffolds, a reference's alt and
//! unplaced contigs, the ends of regions) fill the pass rather than one padded row each.
//!
//! Packing changes no prediction of a network whose outputs see no further than its declared
//! field: each chunk carries its own flanks, so no central position of one chunk sees a base
//! of its neighbour. Where a prediction also depends on where its position falls in the row
//! (the LSTM's blocks, every `block` positions from each end), chunks start at multiples of
//! that period in rows of the one width, so every position falls where it would alone.

/// The rows of one group of chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Per chunk, in order: its row and its first position in the row.
    pub place: Vec<(usize, usize)>,
    pub rows: usize,
    /// Positions per row.
    pub width: usize,
}

impl Layout {
    /// One chunk a row, the rows as wide as the longest chunk.
    pub fn one_per_row(lens: impl Iterator<Item = usize>) -> Layout {
        let (mut place, mut width) = (Vec::new(), 0);
        for (row, len) in lens.enumerate() {
            place.push((row, 0));
            width = width.max(len);
        }
        Layout {
            rows: place.len(),
            place,
            width,
        }
    }

    /// `rows x width x per` values: `fill` everywhere, then chunk `i`'s `values(i)` (`per`
    /// values a position) at its place.
    pub fn gather<T: Copy, V: AsRef<[T]>>(
        &self,
        per: usize,
        fill: T,
        values: impl Fn(usize) -> V,
    ) -> Vec<T> {
        let mut flat = vec![fill; self.rows * self.width * per];
        for (i, &(row, at)) in self.place.iter().enumerate() {
            let v = values(i);
            let v = v.as_ref();
            debug_assert!(
                at * per + v.len() <= self.width * per,
                "chunk {i} overflows its row"
            );
            let from = (row * self.width + at) * per;
            flat[from..from + v.len()].copy_from_slice(v);
        }
        flat
    }
}

/// Chunks of lengths `lens`, in order, packed end to end into groups of at most `rows`
/// rows of `width` positions, each starting at a multiple of `align` (a chunk starts a new
/// row where it does not fit the current one, a new group where the rows are full): per
/// group, its number of chunks and layout. `None` where a chunk is longer than `width`.
pub fn pack(
    lens: &[usize],
    rows: usize,
    width: usize,
    align: usize,
) -> Option<Vec<(usize, Layout)>> {
    if lens.iter().any(|&l| l > width) || rows == 0 || align == 0 {
        return None;
    }
    let mut groups = Vec::new();
    let mut place: Vec<(usize, usize)> = Vec::new();
    let (mut row, mut used) = (0, 0usize);
    for &len in lens {
        used = used.next_multiple_of(align);
        if used + len > width && !place.is_empty() {
            (row, used) = (row + 1, 0);
        }
        if row == rows {
            groups.push(packed(std::mem::take(&mut place), rows, width));
            (row, used) = (0, 0);
        }
        place.push((row, used));
        used += len;
    }
    if !place.is_empty() {
        groups.push(packed(place, row + 1, width));
    }
    Some(groups)
}

fn packed(place: Vec<(usize, usize)>, rows: usize, width: usize) -> (usize, Layout) {
    let layout = Layout { place, rows, width };
    (layout.place.len(), layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chunk inside its row at a multiple of `align`, none overlapping, in order, rows
    /// and groups used up before new ones start.
    fn check(lens: &[usize], rows: usize, width: usize, align: usize) {
        let groups = pack(lens, rows, width, align).unwrap();
        let mut next = 0;
        for (n, layout) in &groups {
            assert!(layout.rows <= rows && layout.width == width);
            let chunks = &lens[next..next + n];
            let mut end_of_row = vec![0; layout.rows];
            for (len, &(row, at)) in chunks.iter().zip(&layout.place) {
                assert!(
                    at >= end_of_row[row] && at + len <= width && at % align == 0,
                    "{lens:?} {layout:?}"
                );
                assert!(row + 1 >= layout.rows || end_of_row[row + 1] == 0);
                end_of_row[row] = at + len;
            }
            assert!(
                end_of_row.iter().all(|&e| e > 0),
                "an empty row: {layout:?}"
            );
            next += n;
        }
        assert_eq!(next, lens.len());
        // as few rows as next-fit needs: a new row only where the chunk did not fit
        let total_rows: usize = groups.iter().map(|(_, l)| l.rows).sum();
        let (mut want, mut used) = (usize::from(!lens.is_empty()), 0usize);
        for &len in lens {
            used = used.next_multiple_of(align);
            if used + len > width {
                (want, used) = (want + 1, 0);
            }
            used += len;
        }
        assert_eq!(total_rows, want);
    }

    /// The places of each group's chunks.
    fn places(groups: &[(usize, Layout)]) -> Vec<Vec<(usize, usize)>> {
        groups.iter().map(|(_, l)| l.place.clone()).collect()
    }

    #[test]
    fn packs_end_to_end() {
        let groups = pack(&[3, 4, 2, 5, 1], 2, 6, 1).unwrap();
        assert_eq!(
            places(&groups),
            vec![vec![(0, 0), (1, 0), (1, 4)], vec![(0, 0), (0, 5)]]
        );
        assert_eq!(groups[1].1.rows, 1);
        for align in [1, 3, 7] {
            check(&[3, 4, 2, 5, 1], 2, 7, align);
            check(&[7, 7, 7, 7, 7], 2, 7, align);
            check(&[1; 37], 3, 7, align);
            check(&[], 4, 10, align);
            let lens: Vec<usize> = (0..500).map(|i| 1 + (i * 7919) % 97).collect();
            check(&lens, 16, 100, align);
        }
    }

    #[test]
    fn packs_at_multiples_of_the_period() {
        let groups = pack(&[3, 4, 2, 1, 1], 2, 8, 4).unwrap();
        assert_eq!(
            places(&groups),
            vec![vec![(0, 0), (0, 4), (1, 0), (1, 4)], vec![(0, 0)]]
        );
    }

    #[test]
    fn refuses_a_chunk_wider_than_a_row() {
        assert_eq!(pack(&[3, 7], 4, 6, 1), None);
    }

    #[test]
    fn gathers_values_at_their_places() {
        let layout = pack(&[2, 1, 3], 2, 4, 1).unwrap().remove(0).1;
        let flat = layout.gather(1, 0, |i| vec![i as i32 + 1; [2, 1, 3][i]]);
        assert_eq!(flat, vec![1, 1, 2, 0, 3, 3, 3, 0]);
        let one = Layout::one_per_row([2, 3].into_iter());
        assert_eq!(one.gather(2, 9, |i| vec![i; 2 * (i + 2)]).len(), 2 * 3 * 2);
    }
}
