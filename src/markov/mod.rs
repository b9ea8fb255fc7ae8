//! The bidirectional Markov model (Liang, Grønbæk, Fariselli, Krogh 2022) counted on demand
//! from an FMD-index of the training sequence and its reverse complement: any order up to
//! [`model::K_MAX`], no count table.

pub mod build;
pub mod copies;
pub mod index;
pub mod indexing;
mod lookup;
mod low;
pub mod memory;
pub mod merge;
pub mod model;
pub mod query;
pub mod rank;
pub mod verify;

pub use copies::{BandCounts, CopyBand, copy_bands};
pub use index::FmdIndex;
pub use lookup::Reach;
pub use model::{MarkovModel, MarkovSettings};
