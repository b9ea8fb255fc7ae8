//! Symmetric DUST (Morgulis et al. 2006, J Comput Biol 13:1028), following the linear-time
//! formulation of Heng Li's `sdust` (MIT). Low-complexity intervals are those containing a
//! "perfect" sub-window whose triplet score exceeds the threshold `T` (default 20) within a
//! sliding window of `W` bases (default 64), the defaults of dustmasker and sdust.
//! Unknown bases break the sequence into independent pieces.
//!
//! The window of triplets lives in one flat buffer (slid back to its start when it reaches the
//! end), so the scans over it are slice loops; the counts are 32-bit. The result equals the
//! brute-force definition in `dust_naive` (tested) and pydustmasker (tests/python).

use crate::genome::encode;
use crate::regions::Interval;

const WLEN: usize = 3;
const WTOT: usize = 1 << (2 * WLEN);
const WMSK: u32 = (WTOT - 1) as u32;
/// Extra room in the triplet buffer: it is slid back once every `SLACK` triplets.
const SLACK: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Perfect {
    start: usize,
    finish: usize,
    r: i64,
    l: i64,
}

/// DUST parameters.
#[derive(Debug, Clone, Copy)]
pub struct DustParams {
    pub window: usize,
    pub threshold: i64,
}

impl Default for DustParams {
    fn default() -> Self {
        DustParams {
            window: 64,
            threshold: 20,
        }
    }
}

/// The sliding window of triplets: `buf[lo..hi]`, the last `l` of them the longest suffix in
/// which no triplet occurs more than 2T/10 times.
struct Window {
    buf: Vec<u8>,
    lo: usize,
    hi: usize,
    /// Counts of each triplet in the whole window (`cw`) and in the suffix (`cv`).
    cw: [u32; WTOT],
    cv: [u32; WTOT],
    /// Sum over triplets of c (c - 1) / 2, for the window and for the suffix.
    rw: i64,
    rv: i64,
    l: usize,
}

impl Window {
    fn new(w: usize) -> Self {
        Window {
            buf: vec![0; w + SLACK],
            lo: 0,
            hi: 0,
            cw: [0; WTOT],
            cv: [0; WTOT],
            rw: 0,
            rv: 0,
            l: 0,
        }
    }

    fn clear(&mut self) {
        self.lo = 0;
        self.hi = 0;
        self.cw = [0; WTOT];
        self.cv = [0; WTOT];
        self.rw = 0;
        self.rv = 0;
        self.l = 0;
    }

    fn words(&self) -> &[u8] {
        &self.buf[self.lo..self.hi]
    }

    /// Adds triplet `t`, dropping the oldest when the window holds `most` already.
    #[inline]
    fn shift(&mut self, t: usize, most: usize, cap: u32) {
        if self.hi - self.lo >= most {
            let s = self.buf[self.lo] as usize;
            self.lo += 1;
            self.cw[s] -= 1;
            self.rw -= self.cw[s] as i64;
            if self.l > self.hi - self.lo {
                self.l -= 1;
                self.cv[s] -= 1;
                self.rv -= self.cv[s] as i64;
            }
        }
        if self.hi == self.buf.len() {
            self.buf.copy_within(self.lo..self.hi, 0);
            self.hi -= self.lo;
            self.lo = 0;
        }
        self.buf[self.hi] = t as u8;
        self.hi += 1;
        self.l += 1;
        self.rw += self.cw[t] as i64;
        self.cw[t] += 1;
        self.rv += self.cv[t] as i64;
        self.cv[t] += 1;
        if self.cv[t] > cap {
            let suffix = &self.buf[self.hi - self.l..self.hi];
            for &s in suffix {
                let s = s as usize;
                self.cv[s] -= 1;
                self.rv -= self.cv[s] as i64;
                self.l -= 1;
                if s == t {
                    break;
                }
            }
        }
    }
}

struct State {
    t: i64,
    /// Most triplets in a window of W bases.
    most: usize,
    /// The most times a triplet may occur in the suffix: floor(2T / 10).
    cap: u32,
    win: Window,
    /// Perfect intervals whose start is still in the window, by decreasing start.
    perfect: Vec<Perfect>,
    res: Vec<Interval>,
}

/// Low-complexity intervals of `codes` (encoded bases), sorted and merged.
pub fn dust(codes: &[u8], params: DustParams) -> Vec<Interval> {
    let w = params.window.max(WLEN + 1);
    let mut st = State {
        t: params.threshold,
        most: w - (WLEN - 1),
        // sdust tests cv * 10 > 2T: a negative T lets no triplet stay in the suffix.
        cap: (params.threshold.max(0).saturating_mul(2) / 10).min(u32::MAX as i64) as u32,
        win: Window::new(w),
        perfect: Vec::new(),
        res: Vec::new(),
    };
    let (mut run, mut word) = (0usize, 0u32);
    for (i, &code) in codes.iter().enumerate() {
        if encode::is_acgt(code) {
            run += 1;
            word = ((word << 2) | encode::base(code) as u32) & WMSK;
            if run >= WLEN {
                st.add(word as usize, run.saturating_sub(w) + (i + 1 - run));
            }
        } else {
            st.end_piece(i, run, w);
            run = 0;
            word = 0;
        }
    }
    st.end_piece(codes.len(), run, w);
    st.res
}

impl State {
    /// One more triplet; `start` is the first base of the window ending with it.
    #[inline]
    fn add(&mut self, t: usize, start: usize) {
        if !self.perfect.is_empty() {
            self.save_masked(start);
        }
        self.win.shift(t, self.most, self.cap);
        if self.win.rw * 10 > self.win.l as i64 * self.t {
            self.find_perfect(start);
        }
    }

    /// An unknown base (or the end) at `i` after `run` known bases: flushes and restarts.
    fn end_piece(&mut self, i: usize, run: usize, w: usize) {
        let mut start = (run + 1).saturating_sub(w) + (i + 1 - run);
        while !self.perfect.is_empty() {
            self.save_masked(start);
            start += 1;
        }
        self.win.clear();
    }

    fn save_masked(&mut self, start: usize) {
        let Some(&p) = self.perfect.last() else {
            return;
        };
        if p.start >= start {
            return;
        }
        match self.res.last_mut() {
            Some(last) if p.start as u64 <= last.1 => last.1 = last.1.max(p.finish as u64),
            _ => self.res.push((p.start as u64, p.finish as u64)),
        }
        while self.perfect.last().is_some_and(|q| q.start < start) {
            self.perfect.pop();
        }
    }

    fn find_perfect(&mut self, start: usize) {
        let words = self.win.words();
        let n = words.len();
        if n <= self.win.l {
            return;
        }
        let mut c = self.win.cv;
        let mut r = self.win.rv;
        let (mut max_r, mut max_l) = (0i64, 0i64);
        // Intervals before `seen` in the list are already folded into the maximum. The list
        // is sorted by decreasing start, so as `i` falls the prefix to fold only grows, and
        // folding an interval twice changes nothing once max_r > 0 (sdust rescans it from
        // the front for every candidate: quadratic in low-complexity runs).
        let mut seen = 0;
        for i in (0..n - self.win.l).rev() {
            let t = words[i] as usize;
            r += c[t] as i64;
            c[t] += 1;
            let (new_r, new_l) = (r, (n - i - 1) as i64);
            if new_r * 10 > self.t * new_l {
                let mut j = if max_r == 0 { 0 } else { seen };
                while j < self.perfect.len() && self.perfect[j].start >= i + start {
                    let p = self.perfect[j];
                    if max_r == 0 || p.r * max_l > max_r * p.l {
                        max_r = p.r;
                        max_l = p.l;
                    }
                    j += 1;
                }
                if max_r == 0 || new_r * max_l >= max_r * new_l {
                    max_r = new_r;
                    max_l = new_l;
                    let p = Perfect {
                        start: i + start,
                        finish: n + (WLEN - 1) + start,
                        r: new_r,
                        l: new_l,
                    };
                    self.perfect.insert(j, p);
                    j += 1;
                }
                seen = j;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genome::EncodedSeq;

    fn run(s: &str) -> Vec<Interval> {
        dust(
            EncodedSeq::from_ascii(s.as_bytes()).unwrap().codes(),
            DustParams::default(),
        )
    }

    #[test]
    fn masks_a_microsatellite_only() {
        let random = "GATCCTAGCTTGACGATCGGATCAGTCCATGCAAGTCTGACTGAGTCGATGCTAGCTAGGCT";
        let repeat = "CA".repeat(40);
        let seq = format!("{random}{repeat}{random}");
        let got = run(&seq);
        assert_eq!(got.len(), 1, "{got:?}");
        let (s, e) = got[0];
        let (rs, re) = (random.len() as u64, (random.len() + repeat.len()) as u64);
        assert!(
            s <= rs + 2 && e >= re - 2 && s + 4 >= rs && e <= re + 4,
            "{got:?}"
        );
        assert!(run(random).is_empty());
    }

    #[test]
    fn n_breaks_the_sequence() {
        let seq = format!("{}N{}", "A".repeat(30), "A".repeat(30));
        assert_eq!(run(&seq), vec![(0, 30), (31, 61)]);
    }
}
