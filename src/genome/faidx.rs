//! Indexed random access through htslib's faidx (plain or bgzip FASTA with `.fai`/`.gzi`).
//! A thin safe wrapper over the raw bindings: rust-htslib's own `faidx::Reader` does not
//! check for a failed load, which would crash on a genome that cannot be indexed.

use std::ffi::CString;
use std::path::Path;

use rust_htslib::htslib;

use crate::io::with_suffix;

/// An open faidx handle. Not shared between threads: open one per thread.
pub struct Faidx {
    inner: *mut htslib::faidx_t,
}

// The handle is only used from one thread at a time (no `Sync`).
unsafe impl Send for Faidx {}

impl Faidx {
    /// Loads the index of `path` (checked or built beforehand: see [`super::fai_check`]).
    /// `None` when htslib cannot load it.
    pub fn open(path: &Path) -> Option<Faidx> {
        crate::io::quiet_htslib();
        let cpath = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        let inner =
            unsafe { htslib::fai_load3(cpath.as_ptr(), std::ptr::null(), std::ptr::null(), 0) };
        (!inner.is_null()).then_some(Faidx { inner })
    }

    /// Builds `.fai` (and `.gzi` for bgzip) for `path` afresh, into temporary files beside it
    /// that are renamed over the old index only when htslib succeeded. `false` when the
    /// folder is not writable or htslib cannot index the file (ragged lines, plain gzip).
    pub fn build(path: &Path) -> bool {
        crate::io::quiet_htslib();
        let Ok(cpath) = CString::new(path.as_os_str().as_encoded_bytes()) else {
            return false;
        };
        let finals = [with_suffix(path, ".fai"), with_suffix(path, ".gzi")];
        let temps = finals
            .clone()
            .map(|p| with_suffix(&p, &format!(".tmp{}", std::process::id())));
        let ctemps = temps
            .clone()
            .map(|p| CString::new(p.as_os_str().as_encoded_bytes()).ok());
        let [Some(cfai), Some(cgzi)] = ctemps else {
            return false;
        };
        let ok = unsafe { htslib::fai_build3(cpath.as_ptr(), cfai.as_ptr(), cgzi.as_ptr()) } == 0;
        // .gzi first, so that the .fai, which readers look for first, is never newer than a
        // .gzi that does not match it.
        let renamed = ok
            && temps
                .iter()
                .zip(&finals)
                .rev()
                .all(|(tmp, dest)| !tmp.exists() || std::fs::rename(tmp, dest).is_ok());
        for tmp in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        renamed
    }

    /// Bases `[start, end)` of contig `name` as stored (letters, case kept).
    pub fn fetch(&self, name: &str, start: usize, end: usize) -> Option<Vec<u8>> {
        if end <= start {
            return Some(Vec::new());
        }
        let cname = CString::new(name).ok()?;
        let mut len: htslib::hts_pos_t = 0;
        let ptr = unsafe {
            htslib::faidx_fetch_seq64(
                self.inner,
                cname.as_ptr(),
                start as htslib::hts_pos_t,
                (end - 1) as htslib::hts_pos_t,
                &mut len,
            )
        };
        if ptr.is_null() || len < 0 {
            return None;
        }
        let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) }.to_vec();
        unsafe { libc_free(ptr as *mut std::ffi::c_void) };
        Some(bytes)
    }
}

impl Drop for Faidx {
    fn drop(&mut self) {
        unsafe { htslib::fai_destroy(self.inner) };
    }
}

unsafe extern "C" {
    #[link_name = "free"]
    fn libc_free(ptr: *mut std::ffi::c_void);
}
