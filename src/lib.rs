//! dnactx: predict every base of a genome from its flanks.
//!
//! Coordinates are 0-based and half-open everywhere in this crate, as in BED:
//! an interval `[start, end)` holds the bases `start..end`.
//!
//! Data flow (one binary per arrow, see docs/cli.md):
//! `genome --mask-repeats--> repeats.bed`, `genome + repeats --make-windows--> windows.parquet`,
//! `genome + windows --count-kmers--> kmers.parquet`,
//! `genome + windows + model --score-genome--> tracks/*.bw + metrics`.

pub mod assembly;
pub mod cli;
pub mod compute;
pub mod error;
pub mod explain;
pub mod genome;
pub mod io;
pub mod kmer;
pub mod markov;
pub mod metrics;
pub mod models;
#[cfg(feature = "torch")]
pub mod nn;
pub mod predict;
pub mod progress;
pub mod regions;
pub mod repeats;
pub mod rng;
pub mod scores;
pub mod target;
pub mod tools;
pub mod tracks;
pub mod variants;

pub use error::{Error, Result};

/// The crate version, written into every output's metadata.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
