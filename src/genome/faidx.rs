//! Indexed random access through htslib's faidx (plain or bgzip FASTA with `.fai`/`.gzi`).
//! A thin safe wrapper over the raw bindings: rust-htslib's own `faidx::Reader` does not
//! check for a failed load, which would crash on a genome that cannot be indexed.

use std::ffi::{CStr, CString};
use std::path::Path;

use rust_htslib::htslib;

/// An open faidx handle. Not shared between threads: open one per thread.
pub struct Faidx {
    inner: *mut htslib::faidx_t,
}

// The handle is only used from one thread at a time (no `Sync`).
unsafe impl Send for Faidx {}

impl Faidx {
    /// Loads the index of `path`, building `.fai` (and `.gzi`) when `create` and they are
    /// missing. `None` when htslib cannot index or load it (gzip, ragged lines, read-only).
    pub fn open(path: &Path, create: bool) -> Option<Faidx> {
        quiet_htslib();
        let cpath = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        let flags = if create {
            htslib::fai_load_options_FAI_CREATE as i32
        } else {
            0
        };
        let inner =
            unsafe { htslib::fai_load3(cpath.as_ptr(), std::ptr::null(), std::ptr::null(), flags) };
        (!inner.is_null()).then_some(Faidx { inner })
    }

    /// Names and lengths in file order.
    pub fn contigs(&self) -> Vec<(String, usize)> {
        let n = unsafe { htslib::faidx_nseq(self.inner) };
        (0..n)
            .filter_map(|i| {
                let ptr = unsafe { htslib::faidx_iseq(self.inner, i) };
                if ptr.is_null() {
                    return None;
                }
                let name = unsafe { CStr::from_ptr(ptr) };
                let len = unsafe { htslib::faidx_seq_len64(self.inner, ptr) };
                Some((name.to_string_lossy().into_owned(), len.max(0) as usize))
            })
            .collect()
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

/// htslib prints its own warnings to stderr; we report errors ourselves.
fn quiet_htslib() {
    unsafe { htslib::hts_set_log_level(htslib::htsLogLevel_HTS_LOG_OFF) };
}
