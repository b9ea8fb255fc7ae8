//! Leave-one-out subtracts a position's own occurrence from the index, which is right only
//! if the scored contig holds the bases that were indexed. Contig names and lengths are
//! checked when a model is loaded; the bases are checked here, per contig, the first time
//! leave-one-out reaches it: the contig is read from the scored genome and its indexed runs
//! hashed as the index recorded them ([`super::build::contig_checksum`]).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::build::contig_checksum;
use super::index::Run;
use crate::genome::Genome;

/// The scored genome and what has been checked of it.
pub struct ContigCheck {
    genome: Genome,
    recorded: HashMap<String, String>,
    checked: Mutex<HashMap<String, bool>>,
    failure: OnceLock<String>,
}

impl ContigCheck {
    pub fn new(genome: Genome, recorded: &[(String, String)]) -> ContigCheck {
        ContigCheck {
            genome,
            recorded: recorded.iter().cloned().collect(),
            checked: Mutex::new(HashMap::new()),
            failure: OnceLock::new(),
        }
    }

    /// Whether `contig`'s indexed runs hold the scored genome's bases (true where the index
    /// recorded no checksum: indexes written before checksums). A mismatch is kept for
    /// [`ContigCheck::failure`].
    pub fn same_bases(&self, contig: &str, runs: &[Run]) -> bool {
        let Some(want) = self.recorded.get(contig) else {
            return true;
        };
        let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&ok) = checked.get(contig) {
            return ok;
        }
        let failure = self.mismatch(contig, runs, want);
        let ok = failure.is_none();
        if let Some(why) = failure {
            let _ = self.failure.set(why);
        }
        checked.insert(contig.to_string(), ok);
        ok
    }

    /// The failure to record when the bases of `runs` of `contig` in the genome do not have
    /// the checksum `want`, or cannot be read; `None` when they do.
    fn mismatch(&self, contig: &str, runs: &[Run], want: &str) -> Option<String> {
        let seq = match self.genome.fetch(contig) {
            Ok(seq) => seq,
            Err(e) => return Some(format!("reading {contig} to check it: {e}")),
        };
        let got = contig_checksum(runs, seq.codes());
        if got == want {
            return None;
        }
        Some(format!(
            "{contig} of {} has other bases than the {contig} indexed (checksum {got}, \
             the index has {want}): the index was built from another genome with the \
             same contig names and lengths (--other-genome scores it without \
             leave-one-out)",
            self.genome.path().display()
        ))
    }

    /// The first contig found to differ, if any.
    pub fn failure(&self) -> Option<&str> {
        self.failure.get().map(String::as_str)
    }
}
