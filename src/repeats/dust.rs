//! Symmetric DUST (Morgulis et al. 2006, J Comput Biol 13:1028), following the linear-time
//! formulation of Heng Li's `sdust` (MIT). Low-complexity intervals are those containing a
//! "perfect" sub-window whose triplet score exceeds the threshold `T` (default 20) within a
//! sliding window of `W` bases (default 64), the defaults of dustmasker and sdust.
//! Unknown bases break the sequence into independent pieces.

use std::collections::VecDeque;

use crate::genome::encode;
use crate::regions::Interval;

const WLEN: usize = 3;
const WTOT: usize = 1 << (2 * WLEN);
const WMSK: u32 = (WTOT - 1) as u32;

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

struct State {
    t: i64,
    w: usize,
    words: VecDeque<u8>,
    cv: [i64; WTOT],
    cw: [i64; WTOT],
    rv: i64,
    rw: i64,
    l: usize,
    perfect: Vec<Perfect>,
    res: Vec<Interval>,
}

/// Low-complexity intervals of `codes` (encoded bases), sorted and merged.
pub fn dust(codes: &[u8], params: DustParams) -> Vec<Interval> {
    let mut st = State {
        t: params.threshold,
        w: params.window.max(WLEN + 1),
        words: VecDeque::with_capacity(params.window),
        cv: [0; WTOT],
        cw: [0; WTOT],
        rv: 0,
        rw: 0,
        l: 0,
        perfect: Vec::new(),
        res: Vec::new(),
    };
    let (mut run, mut word) = (0usize, 0u32);
    for i in 0..=codes.len() {
        let known = i < codes.len() && encode::is_acgt(codes[i]);
        if known {
            run += 1;
            word = ((word << 2) | encode::base(codes[i]) as u32) & WMSK;
            if run >= WLEN {
                let start = run.saturating_sub(st.w) + (i + 1 - run);
                st.save_masked(start);
                st.shift_window(word as usize);
                if st.rw * 10 > st.l as i64 * st.t {
                    st.find_perfect(start);
                }
            }
        } else {
            let mut start = (run + 1).saturating_sub(st.w) + (i + 1 - run);
            while !st.perfect.is_empty() {
                st.save_masked(start);
                start += 1;
            }
            st.reset();
            run = 0;
            word = 0;
        }
    }
    st.res
}

impl State {
    fn reset(&mut self) {
        self.words.clear();
        self.cv = [0; WTOT];
        self.cw = [0; WTOT];
        self.rv = 0;
        self.rw = 0;
        self.l = 0;
    }

    fn shift_window(&mut self, t: usize) {
        if self.words.len() > self.w - WLEN {
            let s = self.words.pop_front().unwrap_or_default() as usize;
            self.cw[s] -= 1;
            self.rw -= self.cw[s];
            if self.l > self.words.len() {
                self.l -= 1;
                self.cv[s] -= 1;
                self.rv -= self.cv[s];
            }
        }
        self.words.push_back(t as u8);
        self.l += 1;
        self.rw += self.cw[t];
        self.cw[t] += 1;
        self.rv += self.cv[t];
        self.cv[t] += 1;
        if self.cv[t] * 10 > self.t * 2 {
            loop {
                let s = self.words[self.words.len() - self.l] as usize;
                self.cv[s] -= 1;
                self.rv -= self.cv[s];
                self.l -= 1;
                if s == t {
                    break;
                }
            }
        }
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
        let n = self.words.len();
        if n <= self.l {
            return;
        }
        let mut c = self.cv;
        let mut r = self.rv;
        let (mut max_r, mut max_l) = (0i64, 0i64);
        for i in (0..n - self.l).rev() {
            let t = self.words[i] as usize;
            r += c[t];
            c[t] += 1;
            let (new_r, new_l) = (r, (n - i - 1) as i64);
            if new_r * 10 > self.t * new_l {
                let mut j = 0;
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
                }
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
