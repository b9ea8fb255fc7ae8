//! The central context ("k-mer") model: context indexing, counting, the Parquet table and
//! the backoff predictor.

pub mod context;
pub mod count;
pub mod counts;
pub mod model;
pub mod table;

pub use counts::{CountTable, Strands};
pub use model::{KmerModel, KmerSettings};
