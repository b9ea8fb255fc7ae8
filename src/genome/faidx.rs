//! Building a faidx index (`.fai`, and `.gzi` for bgzip) with htslib. Reading through it is
//! ours ([`super::indexed`]), after the index is checked against the file
//! ([`super::fai_check`]).

use std::ffi::CString;
use std::path::PathBuf;

use rust_htslib::htslib;

use super::format::GenomeFile;

/// Builds `.fai` (and `.gzi` for bgzip) for `file` afresh, into temporary files beside it
/// that are renamed over the old index only when htslib succeeded. `false` when the
/// folder is not writable or htslib cannot index the file (ragged lines, plain gzip).
pub fn build(file: &GenomeFile) -> bool {
    let path = &file.path;
    let Ok(cpath) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    let finals = [&file.fai, &file.gzi];
    let temps = finals.map(|p| {
        let mut name = p.clone().into_os_string();
        name.push(format!(".tmp{}", std::process::id()));
        PathBuf::from(name)
    });
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
            .all(|(tmp, &dest)| !tmp.exists() || std::fs::rename(tmp, dest).is_ok());
    for tmp in &temps {
        let _ = std::fs::remove_file(tmp);
    }
    renamed
}
