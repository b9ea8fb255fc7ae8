//! Central contexts: the `k` bases left of a position and the `k` bases right of it, packed
//! two bits a base (first base most significant) into `left << 2k | right`. The center
//! base itself is never part of the context. A (2k+1)-window of 29 bases (k = 14) fits a u64.

use crate::genome::encode::{self, BASES};

/// Smallest and largest supported k (bases each side).
pub const K_MIN: usize = 1;
pub const K_MAX: usize = 14;

/// Mask of the low `bits` bits.
#[inline]
pub fn mask(bits: usize) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Number of contexts of order k: 4^(2k).
pub fn n_contexts(k: usize) -> u64 {
    1u64 << (4 * k)
}

/// Splits a packed (2k+1)-window into (context, center).
#[inline]
pub fn split_window(window: u64, k: usize) -> (u64, u8) {
    let right = window & mask(2 * k);
    let center = ((window >> (2 * k)) & 3) as u8;
    let left = window >> (2 * k + 2);
    ((left << (2 * k)) | right, center)
}

/// The order-j context inside an order-k window (j <= k): the j bases nearest the center
/// on each side.
#[inline]
pub fn sub_context(window: u64, k: usize, j: usize) -> u64 {
    let left = (window >> (2 * k + 2)) & mask(2 * j);
    let right = (window & mask(2 * k)) >> (2 * (k - j));
    (left << (2 * j)) | right
}

/// The order-(j-1) context of an order-j context: drops the outermost base of each side.
#[inline]
pub fn shorten(ctx: u64, j: usize) -> u64 {
    let left = (ctx >> (2 * j)) & mask(2 * (j - 1));
    let right = (ctx & mask(2 * j)) >> 2;
    (left << (2 * (j - 1))) | right
}

/// Letters of a packed k-mer.
pub fn kmer_string(code: u64, k: usize) -> String {
    (0..k)
        .map(|i| BASES[((code >> (2 * (k - 1 - i))) & 3) as usize] as char)
        .collect()
}

/// Packs a k-mer of A/C/G/T letters (either case); `None` for anything else.
pub fn parse_kmer(s: &str) -> Option<u64> {
    s.bytes().try_fold(0u64, |acc, b| {
        let c = encode::encode(b)?;
        encode::is_acgt(c).then_some((acc << 2) | encode::base(c) as u64)
    })
}

/// The context (left, right strings) of a packed context.
pub fn context_strings(ctx: u64, k: usize) -> (String, String) {
    (
        kmer_string(ctx >> (2 * k), k),
        kmer_string(ctx & mask(2 * k), k),
    )
}

/// Rolls a packed window of `2k+1` bases along a sequence, remembering the last position
/// that was unknown (or outside the sequence), so a window is usable only when clean.
pub struct Roller<'a> {
    codes: &'a [u8],
    k: usize,
    width_mask: u64,
    rc_shift: usize,
    pub window: u64,
    pub rc_window: u64,
    /// Last position (window right end coordinates) holding an unknown base.
    last_bad: i64,
    /// Next position to push.
    q: i64,
}

impl<'a> Roller<'a> {
    /// Prepares to visit centers from `first_center` on.
    pub fn new(codes: &'a [u8], k: usize, first_center: usize) -> Self {
        let q = first_center as i64 - k as i64;
        let mut r = Roller {
            codes,
            k,
            width_mask: mask(2 * (2 * k + 1)),
            rc_shift: 2 * (2 * k),
            window: 0,
            rc_window: 0,
            last_bad: q - 1,
            q,
        };
        for _ in 0..2 * k {
            r.push();
        }
        r
    }

    #[inline]
    fn push(&mut self) {
        let q = self.q;
        let code = if q >= 0 && (q as usize) < self.codes.len() {
            self.codes[q as usize]
        } else {
            encode::UNKNOWN
        };
        if !encode::is_acgt(code) {
            self.last_bad = q;
        }
        let b = (code & 3) as u64;
        self.window = ((self.window << 2) | b) & self.width_mask;
        self.rc_window = (self.rc_window >> 2) | ((3 - b) << self.rc_shift);
        self.q += 1;
    }

    /// Advances to the next center; true when its whole (2k+1)-window is A/C/G/T.
    #[inline]
    pub fn advance(&mut self) -> bool {
        self.push();
        // The window now spans q-2k-1 ..= q-1 (q already incremented).
        self.last_bad < self.q - 1 - 2 * self.k as i64
    }

    /// The center position of the current window.
    #[inline]
    pub fn center(&self) -> usize {
        (self.q - 1 - self.k as i64) as usize
    }

    /// The largest order j <= k whose (2j+1)-window around the current center is clean;
    /// `None` when the center itself is unknown.
    pub fn clean_order(&self) -> Option<usize> {
        let c = self.center() as i64;
        let ok = |p: i64| {
            p >= 0 && (p as usize) < self.codes.len() && encode::is_acgt(self.codes[p as usize])
        };
        if !ok(c) {
            return None;
        }
        (1..=self.k as i64)
            .find(|&d| !ok(c - d) || !ok(c + d))
            .map_or(Some(self.k), |d| Some(d as usize - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;
    use proptest::prelude::*;

    #[test]
    fn strings_round_trip() {
        assert_eq!(kmer_string(parse_kmer("ACGTT").unwrap(), 5), "ACGTT");
        assert_eq!(parse_kmer("ACN"), None);
        let ctx = (parse_kmer("AC").unwrap() << 4) | parse_kmer("GT").unwrap();
        assert_eq!(context_strings(ctx, 2), ("AC".into(), "GT".into()));
    }

    proptest! {
        #[test]
        fn roller_matches_naive(s in "[ACGTN]{1,60}", k in 1usize..5) {
            let seq = EncodedSeq::from_ascii(s.as_bytes()).unwrap();
            let b = s.as_bytes();
            let mut r = Roller::new(seq.codes(), k, 0);
            for p in 0..b.len() {
                let clean = r.advance();
                prop_assert_eq!(r.center(), p);
                let naive_clean = p >= k && p + k < b.len() && b[p - k..=p + k].iter().all(|&c| c != b'N');
                prop_assert_eq!(clean, naive_clean);
                if clean {
                    let (ctx, center) = split_window(r.window, k);
                    let want_left = parse_kmer(&s[p - k..p]).unwrap();
                    let want_right = parse_kmer(&s[p + 1..=p + k]).unwrap();
                    prop_assert_eq!(ctx, (want_left << (2 * k)) | want_right);
                    prop_assert_eq!(center, parse_kmer(&s[p..=p]).unwrap() as u8);
                    // reverse complement window
                    let rc = crate::genome::encode::revcomp_code(r.window, 2 * k + 1);
                    prop_assert_eq!(r.rc_window, rc);
                    for j in 1..=k {
                        let l = parse_kmer(&s[p - j..p]).unwrap();
                        let rr = parse_kmer(&s[p + 1..=p + j]).unwrap();
                        prop_assert_eq!(sub_context(r.window, k, j), (l << (2 * j)) | rr);
                        if j > 1 {
                            prop_assert_eq!(shorten(sub_context(r.window, k, j), j), sub_context(r.window, k, j - 1));
                        }
                    }
                }
                // clean_order: the largest j with a clean window
                let naive_order = if b[p] == b'N' { None } else {
                    Some((0..=k).take_while(|&j| p >= j && p + j < b.len() && b[p - j..=p + j].iter().all(|&c| c != b'N')).last().unwrap())
                };
                prop_assert_eq!(r.clean_order(), naive_order);
            }
        }
    }
}
