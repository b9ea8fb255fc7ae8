//! A contig held in memory for training: its bases as model codes and its repeats (shared by
//! the batches, [`super::data`], and the prior's cache, [`super::prior_cache`]).

use crate::regions::IntervalSet;

/// A contig held for training, with its repeat flags source.
pub(super) struct Contig {
    pub(super) name: String,
    pub(super) codes: Vec<u8>,
    pub(super) repeats: Option<IntervalSet>,
}
