//! The library's error type. Every variant names the file it concerns and, for parse
//! errors, the line (1-based, as editors count).

use std::path::{Path, PathBuf};

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening, reading or writing a file failed (the reason is the error's source).
    #[error("{}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A text record could not be parsed; `line` is 1-based.
    #[error("{}:{line}: {msg}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        msg: String,
    },
    /// A file is well formed but its content is not usable.
    #[error("{}: {msg}", path.display())]
    Invalid { path: PathBuf, msg: String },
    /// A file is not of the kind its option takes (an FM-index for a count table, a repeat
    /// classifier for a model of the base, ...).
    #[error("{}: {msg}", path.display())]
    WrongKind { path: PathBuf, msg: String },
    /// A file was written by another dnactx version, in a format this one does not read.
    #[error("{}: {msg}", path.display())]
    OtherVersion { path: PathBuf, msg: String },
    /// An input was made from another genome than the one given: its contigs, their
    /// lengths or their bases differ.
    #[error("{}: {msg}", path.display())]
    OtherGenome { path: PathBuf, msg: String },
    /// A failure inside dnactx or a library it calls, not in any input or setting: a tensor
    /// that cannot be read back, a lock another thread poisoned, a sort that ran out of
    /// memory.
    #[error("{0}")]
    Internal(String),
    /// A setting (a flag, or a key of a config file) is out of range, names what is not
    /// there, or does not go with another: `setting` names it as the user writes it
    /// (`--dust-window`, `train.chunk`, `crossfit.folds`, `-o`), `msg` says what is wrong and
    /// what to do.
    #[error("{msg}")]
    Config { setting: String, msg: String },
    /// The settings leave nothing to work on: no window, region, position or table chosen
    /// (a job of a split plan gets a warning and empty outputs instead).
    #[error("{0}")]
    Nothing(String),
    /// A value is not one its option or setting takes: the value, and what it takes (clap
    /// names the option).
    #[error("'{value}': {takes}")]
    Value { value: String, takes: String },
    /// A Parquet file could not be read or written (the reason is the error's source).
    #[error("{}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: polars::error::PolarsError,
    },
    /// A file could not be written by the library that writes its format (htslib for
    /// VCF/BCF and bgzip, libtorch for weights): a full disk, a lost folder.
    #[error("{}: {msg}", path.display())]
    Write { path: PathBuf, msg: String },
    /// A bigWig file could not be written.
    #[error("{}: writing bigWig: {msg}", path.display())]
    BigWig { path: PathBuf, msg: String },
}

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn parse(path: impl AsRef<Path>, line: usize, msg: impl Into<String>) -> Self {
        Error::Parse {
            path: path.as_ref().to_path_buf(),
            line,
            msg: msg.into(),
        }
    }

    pub fn invalid(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }

    /// Writing `path` failed in a library: `what` it was doing, and its error.
    pub fn write(path: impl AsRef<Path>, what: &str, e: impl std::fmt::Display) -> Self {
        Error::Write {
            path: path.as_ref().to_path_buf(),
            msg: format!("{what}: {e}"),
        }
    }

    pub fn wrong_kind(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::WrongKind {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }

    pub fn other_version(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::OtherVersion {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }

    pub fn other_genome(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::OtherGenome {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }

    /// A setting that is wrong: the setting as the user writes it, and the message.
    pub fn config(setting: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            msg: msg.into(),
        }
    }

    pub fn value(value: impl std::fmt::Display, takes: impl Into<String>) -> Self {
        Error::Value {
            value: value.to_string(),
            takes: takes.into(),
        }
    }

    pub fn parquet(path: impl AsRef<Path>, source: polars::error::PolarsError) -> Self {
        Error::Parquet {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}
