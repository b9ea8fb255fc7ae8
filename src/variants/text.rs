//! VCF text read through htslib one line at a time, so that each line can be numbered and
//! checked before htslib's parser turns it into a record: that parser coerces silently
//! what it cannot read (QUAL goes through `atof`, so `abc` is 0; an empty POS is POS 0).
//! A thin safe wrapper over the raw bindings, as `rust_htslib::bcf::Reader` is (it reads
//! and parses in one call, leaving no line to look at), with the same steps: `hts_open`,
//! `bcf_hdr_read`, then per record a line (`hts_getline`, or `hts_itr_next` through the
//! tabix/CSI index for a region) and `vcf_parse`.

use std::ffi::CString;
use std::path::Path;
use std::ptr;
use std::sync::Arc;

use rust_htslib::bcf::{Record, header::HeaderView};
use rust_htslib::htslib;

use crate::{Error, Result};

use super::place::Region;

/// `KS_SEP_LINE` of htslib's kseq.h.
const KS_SEP_LINE: i32 = 2;

/// An open VCF text file (plain, gzip or bgzip) and its parsed header.
pub(super) struct TextReader {
    fp: *mut htslib::htsFile,
    /// Owns the header `hdr` points to; records share it.
    header: Arc<HeaderView>,
    hdr: *mut htslib::bcf_hdr_t,
    /// The current line (allocated by htslib, which grows it).
    line: htslib::kstring_t,
    query: Option<Query>,
}

/// A region query through the index; `itr` is null when the index holds nothing there.
struct Query {
    tbx: *mut htslib::tbx_t,
    itr: *mut htslib::hts_itr_t,
}

/// What reading the next line gave.
pub(super) enum Line {
    /// A line is in [`TextReader::line`].
    Read,
    End,
    /// Reading failed (a truncated or corrupt file, or, in a region, a line the index
    /// reader could not place); what was read of the line is in [`TextReader::line`].
    Failed,
}

impl TextReader {
    /// Opens `path` and reads its header when it is VCF text; `None` when it is BCF (left
    /// to rust-htslib's readers, once its header is known to be readable). Anything else is
    /// an error here: rust-htslib's `bcf::Reader` leaks the file it opened when it is not
    /// variant data, and takes an unreadable BCF header for a valid one (found by fuzzing).
    pub fn open(path: &Path) -> Result<Option<TextReader>> {
        let cpath = c_path(path)?;
        let fp = unsafe { htslib::hts_open(cpath.as_ptr(), c"r".as_ptr()) };
        if fp.is_null() {
            return Err(Error::invalid(path, "cannot open"));
        }
        let format = unsafe { (*htslib::hts_get_format(fp)).format };
        let known = format == htslib::htsExactFormat_vcf || format == htslib::htsExactFormat_bcf;
        let hdr = if known {
            unsafe { htslib::bcf_hdr_read(fp) }
        } else {
            ptr::null_mut()
        };
        if hdr.is_null() || format != htslib::htsExactFormat_vcf {
            unsafe {
                if !hdr.is_null() {
                    htslib::bcf_hdr_destroy(hdr);
                }
                htslib::hts_close(fp);
            }
            return not_text(path, known, hdr.is_null());
        }
        // SAFETY: `fp` is open and `hdr` a valid header read from it, both ours.
        Ok(Some(unsafe { TextReader::from_raw(fp, hdr) }))
    }

    /// The reader of the open file `fp` whose header `hdr` was read, at its first record.
    ///
    /// # Safety
    ///
    /// `fp` is an open file and `hdr` a valid header read from it; the reader owns both.
    unsafe fn from_raw(fp: *mut htslib::htsFile, hdr: *mut htslib::bcf_hdr_t) -> TextReader {
        TextReader {
            fp,
            // SAFETY: `hdr` is a valid header we own; the HeaderView destroys it.
            header: Arc::new(unsafe { HeaderView::from_ptr(hdr) }),
            hdr,
            line: htslib::kstring_t {
                l: 0,
                m: 0,
                s: ptr::null_mut(),
            },
            query: None,
        }
    }

    pub fn header(&self) -> &HeaderView {
        &self.header
    }

    /// Lines read so far, header lines included (the 1-based number of the current line).
    pub fn lines_read(&self) -> u64 {
        unsafe { (*self.fp).lineno.max(0) as u64 }
    }

    /// From now on, reads only the records overlapping `region`, through the index of
    /// `path` (.tbi or .csi). A contig the index lacks holds no record.
    pub fn query(&mut self, path: &Path, region: &Region) -> Result<()> {
        let cpath = c_path(path)?;
        let tbx = unsafe { htslib::tbx_index_load(cpath.as_ptr()) };
        if tbx.is_null() {
            return Err(Error::invalid(path, "cannot load its index (.tbi or .csi)"));
        }
        let mut query = Query {
            tbx,
            itr: ptr::null_mut(),
        };
        let chrom = CString::new(region.chrom.as_bytes()).map_err(|_| {
            Error::config(
                "--region",
                format!("--region: bad contig name {:?}", region.chrom),
            )
        })?;
        let tid = unsafe { htslib::tbx_name2id(tbx, chrom.as_ptr()) };
        if tid >= 0 {
            query.seek(tid, region, path)?;
        }
        self.query = Some(query);
        Ok(())
    }

    /// Reads the next record's line.
    pub fn next_line(&mut self) -> Line {
        self.line.l = 0;
        let ret = match &self.query {
            None => unsafe { htslib::hts_getline(self.fp, KS_SEP_LINE, &mut self.line) },
            Some(q) if q.itr.is_null() => -1,
            Some(q) => unsafe {
                htslib::hts_itr_next(
                    htslib::hts_get_bgzfp(self.fp),
                    q.itr,
                    &mut self.line as *mut htslib::kstring_t as *mut std::ffi::c_void,
                    q.tbx as *mut std::ffi::c_void,
                )
            },
        };
        match ret {
            r if r >= 0 => Line::Read,
            -1 => Line::End,
            _ => Line::Failed,
        }
    }

    /// The current line, without its line break.
    pub fn line(&self) -> &[u8] {
        if self.line.s.is_null() {
            return &[];
        }
        // SAFETY: htslib keeps `l` bytes at `s` (and a NUL after them).
        unsafe { std::slice::from_raw_parts(self.line.s as *const u8, self.line.l) }
    }

    /// A record of the current line, parsed by htslib; `None` when it refuses it (the
    /// line is then no longer intact: htslib cuts it at its tabs).
    pub fn parse(&mut self) -> Option<Record> {
        let rec = Record::new(Arc::clone(&self.header));
        let ret = unsafe { htslib::vcf_parse(&mut self.line, self.hdr, rec.inner) };
        if ret != 0 {
            return None;
        }
        unsafe { htslib::bcf_unpack(rec.inner, htslib::BCF_UN_ALL as i32) };
        Some(rec)
    }
}

impl Drop for TextReader {
    fn drop(&mut self) {
        self.query = None;
        unsafe {
            htslib::hts_close(self.fp);
            libc_free(self.line.s as *mut std::ffi::c_void);
        }
    }
}

impl Query {
    /// Points the query at `region` of contig `tid` (one the index holds) of `path`.
    fn seek(&mut self, tid: i32, region: &Region, path: &Path) -> Result<()> {
        let end = region.end.map_or(i64::MAX >> 1, |e| e as i64 + 1);
        self.itr = unsafe {
            htslib::hts_itr_query(
                (*self.tbx).idx,
                tid,
                region.start as i64,
                end,
                Some(htslib::tbx_readrec),
            )
        };
        if self.itr.is_null() {
            return Err(Error::invalid(path, "the index cannot answer the region"));
        }
        Ok(())
    }
}

impl Drop for Query {
    fn drop(&mut self) {
        unsafe {
            if !self.itr.is_null() {
                htslib::hts_itr_destroy(self.itr);
            }
            htslib::tbx_destroy(self.tbx);
        }
    }
}

/// What [`TextReader::open`] says of a file that is not VCF text: an error when its format is
/// not `known` (VCF or BCF) or it has no readable header (`no_header`), `None` for BCF.
fn not_text(path: &Path, known: bool, no_header: bool) -> Result<Option<TextReader>> {
    match (known, no_header) {
        (false, _) => Err(Error::wrong_kind(
            path,
            "not a VCF or BCF file (a VCF starts with a '##fileformat=VCF' line)",
        )),
        (true, true) => Err(Error::invalid(
            path,
            "not a readable VCF/BCF: the header could not be read",
        )),
        (true, false) => Ok(None),
    }
}

fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| Error::invalid(path, "a path with a NUL byte"))
}

unsafe extern "C" {
    #[link_name = "free"]
    fn libc_free(ptr: *mut std::ffi::c_void);
}
