//! `-` as standard input or standard output, so a step can sit in a pipe
//! (`samtools faidx g.fa chr1 | score-genome -g - ...`, `score-variants ... -o - | bcftools view`).
//!
//! An input given as `-`, or as a pipe (the shell's `<(...)`, a named pipe), is read to its
//! end into a spool file (in `$TMPDIR`, removed when the tool ends) while the arguments are
//! parsed, because every reader needs what a pipe cannot
//! give: a FASTA its faidx index, a BED or VCF its compression told from the first bytes.
//! An output given as `-` is written to a temporary file like any other and copied to
//! standard output once the tool has succeeded, so a failed run sends nothing down the pipe.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

/// The path that names standard input or output.
pub const STDIO: &str = "-";

/// Whether `path` is `-`: standard input for an input, standard output for an output.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == STDIO
}

/// The spools of standard input and of pipes given by name, once read.
static SPOOLS: Mutex<Vec<tempfile::TempDir>> = Mutex::new(Vec::new());

/// Whether an input took standard input already (one may).
static STDIN_READ: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// clap's value parser for an input path that may be `-` or a pipe: standard input, or a
/// named pipe such as the shell's process substitution (`--regions <(zcat sites.bed.gz)`,
/// `/dev/fd/63`), is read into a spool file, whose path is returned (named `stdin`, or after
/// the pipe, so messages say where it came from). (clap shows an error's message alone, so
/// the reason of an I/O error joins its path.)
pub fn input_path(value: &str) -> Result<PathBuf> {
    let spooled = if value == STDIO {
        spool_stdin()
    } else if is_pipe(Path::new(value)) {
        spool_pipe(Path::new(value))
    } else {
        return Ok(PathBuf::from(value));
    };
    spooled.map_err(|e| match std::error::Error::source(&e) {
        Some(source) => Error::config(value, format!("{e}: {source}")),
        None => e,
    })
}

/// Whether `path` is a pipe or a character device (`/dev/stdin`): read once, from the start
/// only, where every reader needs to look at the first bytes and then read them again.
fn is_pipe(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        t.is_fifo() || t.is_char_device()
    })
}

fn spool_stdin() -> Result<PathBuf> {
    if STDIN_READ.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return Err(Error::config(
            "-",
            "standard input (-) can feed one input only",
        ));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::config(
            "-",
            "- reads standard input, which is a terminal here: pipe the input in",
        ));
    }
    spool(&mut stdin.lock(), "stdin")
}

/// Reads the pipe `path` into a spool named after it.
fn spool_pipe(path: &Path) -> Result<PathBuf> {
    let mut pipe = File::open(path).map_err(|e| Error::io(path, e))?;
    let name = format!("pipe-{}", super::file_name(path));
    spool(&mut pipe, &name)
}

/// Copies `from` to its end into a file `name` of a new folder in `$TMPDIR`, removed by
/// [`remove_spool`].
fn spool(from: &mut impl std::io::Read, name: &str) -> Result<PathBuf> {
    let tmp = std::env::temp_dir();
    let dir = tempfile::Builder::new()
        .prefix(&format!("dnactx-{name}."))
        .tempdir_in(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    let path = dir.path().join(name);
    let mut file = File::create(&path).map_err(|e| Error::io(&path, e))?;
    std::io::copy(from, &mut file).map_err(|e| Error::io(&path, e))?;
    SPOOLS.lock().unwrap_or_else(|e| e.into_inner()).push(dir);
    Ok(path)
}

/// Removes the spools, if any (when the tool ends).
pub fn remove_spool() {
    SPOOLS.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// A temporary file for an output that goes to standard output, in `$TMPDIR`.
pub(super) fn stdout_temp() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(".dnactx-stdout.{}.{n}", std::process::id()))
}

/// Copies the finished temporary output `tmp` to standard output and removes it.
pub(super) fn send_to_stdout(tmp: &Path) -> Result<()> {
    let dest = Path::new(STDIO);
    let mut file = File::open(tmp).map_err(|e| Error::io(tmp, e))?;
    let mut out = std::io::stdout().lock();
    std::io::copy(&mut file, &mut out)
        .and_then(|_| out.flush())
        .map_err(|e| Error::io(dest, e))?;
    std::fs::remove_file(tmp).map_err(|e| Error::io(tmp, e))
}

/// Refuses `-` as the output of a tool whose output is not one stream (a folder, or a file
/// with others beside it).
pub fn refuse_stdout(output: &Path, why: &str) -> Result<()> {
    if is_stdio(output) {
        return Err(Error::config(
            "-o",
            format!("-o -: standard output takes one stream, and {why}"),
        ));
    }
    Ok(())
}
