//! One module per binary: its clap `Args` and its `run`. The binaries in `src/bin/` only
//! parse arguments and call [`main`].

pub mod count_kmers;
#[cfg(feature = "torch")]
pub mod embed_regions;
pub mod explain_flanks;
pub mod index_genome;
pub mod make_windows;
pub mod mask_repeats;
pub mod merge_scores;
pub mod model;
pub mod query_index;
pub mod score_genome;
pub mod score_variants;
#[cfg(feature = "torch")]
pub mod train_model;

use std::process::ExitCode;

/// Flags every tool shares.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Worker threads (0: all cores).
    #[arg(short = 't', long, default_value_t = 0, global = true)]
    pub threads: usize,
    /// No progress bars on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl Common {
    /// Sets up the global thread pool.
    pub fn init(&self) -> anyhow::Result<()> {
        // htslib's own messages would come before, and say less than, ours.
        crate::io::quiet_htslib();
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build_global()
            .map_err(|e| anyhow::anyhow!("setting up {} threads: {e}", self.threads))
    }
}

/// Runs a tool and turns its error into a message on stderr and exit code 1.
pub fn main<A>(args: A, run: fn(A) -> anyhow::Result<()>) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Splits comma-separated and repeated values into one list.
/// The positions a tool works on: the `split` windows of `windows`, or the BED `regions`,
/// on the `chroms` given (comma-separated or repeated; all when none); `what` names the
/// work in the error when nothing is left ("score", "embed").
pub fn chosen_regions(
    genome: &crate::genome::Genome,
    windows: Option<&std::path::Path>,
    split: crate::regions::splits::Split,
    regions: Option<&std::path::Path>,
    chroms: &[String],
    what: &str,
) -> anyhow::Result<std::collections::HashMap<String, crate::regions::IntervalSet>> {
    let chroms = flatten_list(chroms);
    genome.check_names(chroms.iter().map(String::as_str), "--chrom")?;
    let mut out = match (windows, regions) {
        (Some(w), _) => crate::regions::windows::split_regions(w, genome, split)?,
        (None, Some(r)) => crate::regions::bed::read_sets(r, genome)?
            .into_iter()
            .collect(),
        (None, None) => anyhow::bail!("give --windows or --regions"),
    };
    if !chroms.is_empty() {
        out.retain(|c, _| chroms.contains(c));
    }
    if out.values().all(|s| s.covered() == 0) {
        anyhow::bail!("nothing to {what}: no regions on the chosen chromosomes");
    }
    Ok(out)
}

pub fn flatten_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `--precision`: decimals kept in the tracks, or all of them (`full`).
#[derive(Debug, Clone, Copy)]
pub struct Decimals(pub Option<u32>);

pub fn parse_decimals(s: &str) -> std::result::Result<Decimals, String> {
    if s == "full" {
        return Ok(Decimals(None));
    }
    match s.parse::<u32>() {
        Ok(d) if d <= crate::tracks::MAX_DECIMALS => Ok(Decimals(Some(d))),
        _ => Err(format!(
            "'{s}': give 0 to {} decimals, or full",
            crate::tracks::MAX_DECIMALS
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_cli_is_consistent() {
        super::mask_repeats::Args::command().debug_assert();
        super::make_windows::Args::command().debug_assert();
        super::count_kmers::Args::command().debug_assert();
        super::score_genome::Args::command().debug_assert();
        super::merge_scores::Args::command().debug_assert();
        super::score_variants::Args::command().debug_assert();
        super::explain_flanks::Args::command().debug_assert();
        super::index_genome::Args::command().debug_assert();
        super::query_index::Args::command().debug_assert();
        #[cfg(feature = "torch")]
        super::train_model::Args::command().debug_assert();
    }
}
