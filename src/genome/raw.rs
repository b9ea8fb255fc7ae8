//! Raw bytes of a FASTA file at uncompressed offsets, as its `.fai` counts them: `pread` on a
//! plain file, htslib's BGZF reader with the `.gzi` index on a bgzip file. Used to check an
//! index against the file it claims to describe, so reads go forward and small gaps are read
//! through rather than sought (a genome of 100,000 scaffolds is then read about once).

use std::ffi::CString;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rust_htslib::htslib;

use crate::io::Compression;

/// Gaps up to this many bytes are read through instead of sought (a BGZF seek decompresses a
/// whole block, up to 64 KiB).
const READ_THROUGH: u64 = 1 << 20;

/// A reader of uncompressed bytes at any offset.
pub enum RawReader {
    Plain(File),
    Bgzf(Bgzf),
}

impl RawReader {
    /// Opens `path`; for bgzip, `None` when the `.gzi` is missing or unreadable.
    pub fn open(path: &Path, compression: Compression) -> Option<RawReader> {
        match compression {
            Compression::Plain => File::open(path).ok().map(RawReader::Plain),
            Compression::Bgzf => Bgzf::open(path).map(RawReader::Bgzf),
            Compression::Gzip => None,
        }
    }

    /// Up to `len` bytes from `offset` (fewer at the end of the file); `None` on a read error.
    pub fn read_at(&mut self, offset: u64, len: usize) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let mut got = 0;
        while got < len {
            let n = match self {
                RawReader::Plain(f) => f.read_at(&mut buf[got..], offset + got as u64).ok()?,
                RawReader::Bgzf(b) => b.read_at(&mut buf[got..], offset + got as u64)?,
            };
            if n == 0 {
                break;
            }
            got += n;
        }
        buf.truncate(got);
        Some(buf)
    }
}

/// An open BGZF file with its `.gzi` loaded; remembers where the last read ended.
pub struct Bgzf {
    fp: *mut htslib::BGZF,
    pos: u64,
}

impl Bgzf {
    fn open(path: &Path) -> Option<Bgzf> {
        let cpath = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        let fp = unsafe { htslib::bgzf_open(cpath.as_ptr(), c"r".as_ptr()) };
        if fp.is_null() {
            return None;
        }
        let bgzf = Bgzf { fp, pos: 0 };
        let loaded = unsafe { htslib::bgzf_index_load(fp, cpath.as_ptr(), c".gzi".as_ptr()) };
        (loaded == 0).then_some(bgzf)
    }

    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Option<usize> {
        if offset < self.pos || offset - self.pos > READ_THROUGH {
            let r = unsafe { htslib::bgzf_useek(self.fp, offset as htslib::off_t, 0) };
            if r < 0 {
                return None;
            }
            self.pos = offset;
        }
        let mut skip = vec![0u8; (offset - self.pos) as usize];
        if !skip.is_empty() && self.read(&mut skip)? < skip.len() {
            return Some(0);
        }
        self.read(buf)
    }

    fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        let n = unsafe { htslib::bgzf_read(self.fp, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return None;
        }
        self.pos += n as u64;
        Some(n as usize)
    }
}

impl Drop for Bgzf {
    fn drop(&mut self) {
        unsafe { htslib::bgzf_close(self.fp) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bgzip_and_plain_read_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let gz = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/yeast_R64_chrI.fa.gz");
        let plain = dir.path().join("y.fa");
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut crate::io::open_reader(&gz).unwrap(), &mut text).unwrap();
        std::fs::write(&plain, &text).unwrap();
        let mut a = RawReader::open(&gz, Compression::Bgzf).unwrap();
        let mut b = RawReader::open(&plain, Compression::Plain).unwrap();
        // forward, backward, far, small gaps, and past the end
        let n = text.len() as u64;
        for (off, len) in [
            (0, 100),
            (70_000, 10),
            (50, 20),
            (200_000, 5000),
            (200_010, 3),
            (n - 4, 10),
            (n + 5, 3),
        ] {
            let want = &text[(off.min(n) as usize)..((off + len as u64).min(n) as usize)];
            assert_eq!(a.read_at(off, len).unwrap(), want, "bgzip at {off}");
            assert_eq!(b.read_at(off, len).unwrap(), want, "plain at {off}");
        }
    }
}
