//! Regions: BED files, interval sets, genome windows and their train/valid/test splits.
//! All coordinates are 0-based half-open.

pub mod bed;
pub mod intervals;
pub mod splits;
pub mod windows;

pub use bed::{BedRecord, ClassSets};
pub use intervals::{Interval, IntervalSet};
