//! Regions: BED files, interval sets, genome windows and their train/valid/test splits.
//! All coordinates are 0-based half-open.

pub mod bed;
pub mod intervals;
pub mod splits;
pub mod windows;

pub use bed::{BedRecord, ClassSets};
pub use intervals::{Interval, IntervalSet};

/// The position classes every metric is reported over: all positions, those in repeats, the
/// rest ([`crate::metrics`] re-exports it; annotation classes may not take these names).
pub const CLASSES: [&str; 3] = ["all", "repeat", "non_repeat"];
