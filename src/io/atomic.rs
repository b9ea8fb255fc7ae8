//! Atomic outputs: write to a hidden temporary file in the destination folder, rename on
//! success. Dropping an uncommitted output removes the temporary file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A temporary path beside `dest`, renamed onto it by [`TempOutput::commit`].
#[derive(Debug)]
pub struct TempOutput {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl TempOutput {
    /// Reserves a temporary path beside `dest`; fails early when the folder is not writable.
    /// `-` is standard output: the temporary file goes to `$TMPDIR`, and
    /// [`commit`](Self::commit) copies it to standard output.
    pub fn new(dest: &Path) -> Result<Self> {
        let tmp = if super::stdio::is_stdio(dest) {
            let tmp = super::stdio::stdout_temp();
            File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            tmp
        } else {
            temp_beside(dest)?
        };
        Ok(TempOutput {
            tmp,
            dest: dest.to_path_buf(),
            done: false,
        })
    }

    /// The temporary path to write to.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final path.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the finished temporary file onto the destination (copies it to standard output
    /// for `-`).
    pub fn commit(mut self) -> Result<()> {
        if super::stdio::is_stdio(&self.dest) {
            super::stdio::send_to_stdout(&self.tmp)?;
        } else {
            std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A buffered writer onto a [`TempOutput`].
pub struct OutputFile {
    temp: TempOutput,
    writer: BufWriter<File>,
}

impl OutputFile {
    pub fn create(dest: &Path) -> Result<Self> {
        let temp = TempOutput::new(dest)?;
        let file = File::create(temp.path()).map_err(|e| Error::io(dest, e))?;
        Ok(OutputFile {
            temp,
            writer: BufWriter::with_capacity(1 << 16, file),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// Flushes, syncs and renames onto the destination.
    pub fn commit(self) -> Result<()> {
        let OutputFile { temp, writer } = self;
        let file = writer
            .into_inner()
            .map_err(|e| Error::io(temp.dest(), e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(temp.dest(), e))?;
        temp.commit()
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// An empty temporary file beside `dest` (in its folder, which must exist), named after it.
fn temp_beside(dest: &Path) -> Result<PathBuf> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::invalid(
            dest,
            format!("output folder {} does not exist", dir.display()),
        ));
    }
    let name = crate::io::file_name(dest);
    let host = host_name();
    if let Some(host) = &host {
        remove_stale(&dir, &name, host);
    }
    let host = host.as_deref().unwrap_or("host");
    let tmp = dir.join(temp_name(&name, host, std::process::id()));
    File::create(&tmp).map_err(|e| {
        let why = format!("cannot write in folder {}: {e}", dir.display());
        Error::io(dest, std::io::Error::new(e.kind(), why))
    })?;
    Ok(tmp)
}

/// The hidden temporary name for an output `name` written by process `pid` on `host`.
fn temp_name(name: &str, host: &str, pid: u32) -> String {
    format!(".{name}.tmp.{host}.{pid}")
}

/// This machine's name, where Linux gives it (`None` elsewhere: nothing stale is removed).
fn host_name() -> Option<String> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let host = host.trim();
    (!host.is_empty() && !host.contains('/')).then(|| host.to_string())
}

/// Removes the temporary files of `name` that runs on this host left in `dir` when they were
/// killed (their process is gone), so that a rerun starts clean and a killed build of a
/// human-size index does not leave gigabytes behind. Files of other hosts (a shared folder)
/// and of live processes are left alone.
fn remove_stale(dir: &Path, name: &str, host: &str) {
    let prefix = format!(".{name}.tmp.{host}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let pid = file.to_str().and_then(|f| f.strip_prefix(&prefix));
        let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if !alive && std::fs::remove_file(entry.path()).is_ok() {
            crate::progress::warn(format!(
                "removed {}, left by a run that was killed",
                entry.path().display()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.txt");
        {
            let mut out = OutputFile::create(&dest).unwrap();
            out.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut out = OutputFile::create(&dest).unwrap();
        out.write_all(b"whole").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "whole");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_killed_run_s_temporary_file_is_removed_by_the_next() {
        let Some(host) = host_name() else { return };
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("i.fmd");
        // a process id that is not running (above the kernel's pid_max), and init's
        let dead = dir.path().join(temp_name("i.fmd", &host, 4_194_305));
        let live = dir.path().join(temp_name("i.fmd", &host, 1));
        let other_host = dir.path().join(temp_name("i.fmd", "elsewhere", 4_194_305));
        let other_file = dir.path().join(temp_name("j.fmd", &host, 4_194_305));
        for p in [&dead, &live, &other_host, &other_file] {
            std::fs::write(p, b"half").unwrap();
        }
        let out = TempOutput::new(&dest).unwrap();
        assert!(!dead.exists());
        assert!(live.exists() && other_host.exists() && other_file.exists());
        drop(out);
    }

    #[test]
    fn missing_folder_is_named() {
        let err = OutputFile::create(Path::new("/nonexistent/dir/out.txt"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("/nonexistent/dir"), "{err}");
    }
}
