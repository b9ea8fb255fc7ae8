//! Building a faidx index (`.fai`, and `.gzi` for bgzip) with htslib. Reading through it is
//! ours ([`super::indexed`]), after the index is checked against the file
//! ([`super::fai_check`]).

use std::ffi::CString;
use std::path::{Path, PathBuf};

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
    let temps = finals.map(|p| temp_path(p));
    let ctemps = temps
        .clone()
        .map(|p| CString::new(p.as_os_str().as_encoded_bytes()).ok());
    let [Some(cfai), Some(cgzi)] = ctemps else {
        return false;
    };
    let ok = unsafe { htslib::fai_build3(cpath.as_ptr(), cfai.as_ptr(), cgzi.as_ptr()) } == 0;
    // .gzi first, so that the .fai, which readers look for first, is never newer than a
    // .gzi that does not match it.
    let renamed = ok && rename_over(&temps, &finals);
    for tmp in &temps {
        let _ = std::fs::remove_file(tmp);
    }
    renamed
}

/// The temporary file beside `p` that htslib writes into: `p.tmpPID`.
fn temp_path(p: &Path) -> PathBuf {
    let mut name = p.to_path_buf().into_os_string();
    name.push(format!(".tmp{}", std::process::id()));
    PathBuf::from(name)
}

/// Renames each temporary index file htslib wrote over its final one, the last first;
/// whether all that exist were renamed.
fn rename_over(temps: &[PathBuf; 2], finals: &[&PathBuf; 2]) -> bool {
    temps
        .iter()
        .zip(finals)
        .rev()
        .all(|(tmp, &dest)| !tmp.exists() || std::fs::rename(tmp, dest).is_ok())
}
