//! One byte per base: bits 0-1 hold A=0, C=1, G=2, T=3; bit 2 marks an unknown base
//! (N or any other IUPAC code); bit 3 marks a soft-masked (lowercase) base. A 249 Mb
//! chromosome therefore takes 249 MB.

/// Bit set for N and the other IUPAC ambiguity codes.
pub const UNKNOWN: u8 = 4;
/// Bit set for lowercase (soft-masked) bases.
pub const SOFT: u8 = 8;
/// Marks a byte that is not a nucleotide letter at all.
const INVALID: u8 = 0xff;

/// Encoding table over all 256 bytes; `INVALID` for non-nucleotide bytes.
pub static ENCODE: [u8; 256] = build_table();

const fn build_table() -> [u8; 256] {
    let mut t = [INVALID; 256];
    let acgt = *b"ACGT";
    let mut i = 0;
    while i < 4 {
        t[acgt[i] as usize] = i as u8;
        t[acgt[i].to_ascii_lowercase() as usize] = i as u8 | SOFT;
        i += 1;
    }
    // IUPAC ambiguity codes (and U, which we do not treat as T) are unknown.
    let other = *b"NRYSWKMBDHVU";
    let mut j = 0;
    while j < other.len() {
        t[other[j] as usize] = UNKNOWN;
        t[other[j].to_ascii_lowercase() as usize] = UNKNOWN | SOFT;
        j += 1;
    }
    t
}

/// The letter for a 2-bit code.
pub const BASES: [u8; 4] = *b"ACGT";

/// Encodes one byte; `None` when it is not a nucleotide letter.
#[inline]
pub fn encode(b: u8) -> Option<u8> {
    let c = ENCODE[b as usize];
    (c != INVALID).then_some(c)
}

/// True when the encoded byte is an A, C, G or T (either case).
#[inline]
pub fn is_acgt(code: u8) -> bool {
    code & UNKNOWN == 0
}

/// True when the encoded byte came from a lowercase letter.
#[inline]
pub fn is_soft(code: u8) -> bool {
    code & SOFT != 0
}

/// The 2-bit base of an encoded byte (meaningless for unknown bases).
#[inline]
pub fn base(code: u8) -> u8 {
    code & 3
}

/// Decodes back to a letter, keeping case; unknown bases become `N`/`n`.
pub fn decode(code: u8) -> u8 {
    let letter = if is_acgt(code) {
        BASES[base(code) as usize]
    } else {
        b'N'
    };
    if is_soft(code) {
        letter.to_ascii_lowercase()
    } else {
        letter
    }
}

/// A contig's bases, encoded one byte per base.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodedSeq {
    codes: Vec<u8>,
}

impl EncodedSeq {
    pub fn from_codes(codes: Vec<u8>) -> Self {
        EncodedSeq { codes }
    }

    /// Encodes ASCII letters; `Err(i)` gives the index of the first non-nucleotide byte.
    pub fn from_ascii(seq: &[u8]) -> Result<Self, usize> {
        let mut codes = seq.to_vec();
        encode_in_place(&mut codes)?;
        Ok(EncodedSeq { codes })
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn codes(&self) -> &[u8] {
        &self.codes
    }

    pub fn into_codes(self) -> Vec<u8> {
        self.codes
    }

    pub fn to_ascii(&self) -> Vec<u8> {
        self.codes.iter().map(|&c| decode(c)).collect()
    }
}

/// Encodes `buf` in place; `Err(i)` gives the index of the first non-nucleotide byte.
pub fn encode_in_place(buf: &mut [u8]) -> Result<(), usize> {
    let mut bad = false;
    for b in buf.iter_mut() {
        let c = ENCODE[*b as usize];
        bad |= c == INVALID;
        *b = c;
    }
    if bad {
        Err(buf.iter().position(|&c| c == INVALID).unwrap_or(0))
    } else {
        Ok(())
    }
}

/// Reverse complement of 2-bit packed `k`-mer `code` (first base most significant).
#[inline]
pub fn revcomp_code(code: u64, k: usize) -> u64 {
    let mut x = !code;
    let mut r = 0u64;
    for _ in 0..k {
        r = (r << 2) | (x & 3);
        x >>= 2;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        assert_eq!(encode(b'A'), Some(0));
        assert_eq!(encode(b't'), Some(3 | SOFT));
        assert_eq!(encode(b'N'), Some(UNKNOWN));
        assert_eq!(encode(b'n'), Some(UNKNOWN | SOFT));
        assert_eq!(encode(b'R'), Some(UNKNOWN));
        assert_eq!(encode(b'-'), None);
        assert_eq!(encode(b'\r'), None);
    }

    #[test]
    fn revcomp_small() {
        // ACG -> CGT
        let acg = 0b00_01_10;
        assert_eq!(revcomp_code(acg, 3), 0b01_10_11);
    }

    proptest! {
        #[test]
        fn round_trip(s in "[ACGTNacgtnRYswk]{0,200}") {
            let e = EncodedSeq::from_ascii(s.as_bytes()).unwrap();
            let back = String::from_utf8(e.to_ascii()).unwrap();
            let want: String = s.chars().map(|c| match c {
                'A'|'C'|'G'|'T'|'a'|'c'|'g'|'t' => c,
                c if c.is_lowercase() => 'n',
                _ => 'N',
            }).collect();
            prop_assert_eq!(back, want);
        }

        #[test]
        fn revcomp_twice_is_identity(code in 0u64..(1 << 40), k in 1usize..=20) {
            let code = code & ((1u64 << (2 * k)) - 1);
            prop_assert_eq!(revcomp_code(revcomp_code(code, k), k), code);
        }
    }
}
