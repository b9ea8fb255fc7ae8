//! One module per binary: its clap `Args` and its `run`. The binaries in `src/bin/` only
//! parse arguments and call [`main`].

pub mod count_kmers;
#[cfg(feature = "torch")]
pub mod embed_regions;
pub mod explain_flanks;
pub mod find_copies;
pub mod index_genome;
pub mod make_windows;
pub mod mask_repeats;
pub mod merge_scores;
pub mod model;
pub mod plan_splits;
pub mod prepare_genome;
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

/// Parses a tool's command line. Each `(old, new)` of `renamed` is a spelling a release
/// renamed: it is still taken, as `new`, with a deprecation line on stderr, until the next
/// release drops it.
pub fn parse<A: clap::Parser>(renamed: &[(&str, &str)]) -> A {
    let tool = std::env::args()
        .next()
        .map(|a| crate::io::file_name(std::path::Path::new(&a)));
    let args = std::env::args_os().map(|arg| {
        let Some(s) = arg.to_str() else {
            return arg;
        };
        for (old, new) in renamed {
            if s == *old
                || s.strip_prefix(old)
                    .is_some_and(|rest| rest.starts_with('='))
            {
                eprintln!(
                    "{}: warning: {old} is deprecated and goes in the next release: use {new}",
                    tool.as_deref().unwrap_or("dnactx")
                );
                return s.replacen(old, new, 1).into();
            }
        }
        arg
    });
    A::parse_from(args)
}

/// Runs a tool and turns its error into a message on stderr and exit code 1; standard
/// input's spool, if any, is removed either way.
pub fn main<A>(args: A, run: fn(A) -> anyhow::Result<()>) -> ExitCode {
    let result = run(args);
    crate::io::stdio::remove_spool();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `--plan` and `--job`: the contigs of one job of a split plan (plan-splits' table), which
/// the workflow gives instead of `--chrom` so that names with commas, `*` or `:` pass
/// unchanged and a job with nothing left to do is no error.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct JobArgs {
    /// Split plan (plan-splits' table, the workflow's results/plan.tsv) whose --job picks
    /// the contigs.
    #[arg(long, requires = "job", conflicts_with = "chroms")]
    pub plan: Option<std::path::PathBuf>,
    /// The job of --plan whose contigs to work on.
    #[arg(long, requires = "plan")]
    pub job: Option<String>,
}

impl JobArgs {
    /// The job's contigs; `None` without --plan.
    pub fn contigs(&self) -> anyhow::Result<Option<Vec<String>>> {
        let (Some(plan), Some(job)) = (&self.plan, &self.job) else {
            return Ok(None);
        };
        let plan = crate::assembly::Plan::read_tsv(plan)?;
        Ok(Some(plan.job_contigs(job)?))
    }

    /// The chromosomes to work on: the job's, else `--chrom`'s (comma-separated or repeated).
    pub fn or_chroms(&self, chroms: &[String]) -> anyhow::Result<Vec<String>> {
        Ok(match self.contigs()? {
            Some(c) => c,
            None => flatten_list(chroms),
        })
    }
}

/// The positions a tool works on: the `split` windows of `windows`, or the BED `regions`,
/// on the `chroms` given (comma-separated or repeated; all when none); `what` names the
/// work in the error when nothing is left ("score", "embed").
pub fn chosen_regions(
    genome: &crate::genome::Genome,
    windows: Option<&std::path::Path>,
    split: crate::regions::splits::Split,
    regions: Option<&std::path::Path>,
    chroms: &[String],
    job: &JobArgs,
    what: &str,
) -> anyhow::Result<std::collections::HashMap<String, crate::regions::IntervalSet>> {
    let chroms = job.or_chroms(chroms)?;
    genome.check_names(chroms.iter().map(String::as_str), "--chrom")?;
    let mut out = crate::regions::windows::windows_or_bed(genome, windows, split, regions)?;
    if !chroms.is_empty() {
        out.retain(|c, _| chroms.contains(c));
    }
    if out.values().any(|s| s.covered() > 0) {
        return Ok(out);
    }
    empty_job(job, chroms, what)
}

/// No region on the chosen chromosomes: an error, except in a job of the plan (its contigs
/// all N, or without windows), which gets empty outputs and a warning.
fn empty_job(
    job: &JobArgs,
    chroms: Vec<String>,
    what: &str,
) -> anyhow::Result<std::collections::HashMap<String, crate::regions::IntervalSet>> {
    let Some(name) = job.job.as_deref() else {
        anyhow::bail!("nothing to {what}: no regions on the chosen chromosomes");
    };
    crate::progress::warn(format_args!(
        "nothing to {what} in job {name}: no regions on {}",
        chroms.join(", ")
    ));
    Ok(chroms
        .into_iter()
        .map(|c| (c, Default::default()))
        .collect())
}

/// Splits comma-separated and repeated values into one list.
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

pub fn parse_decimals(s: &str) -> crate::Result<Decimals> {
    if s == "full" {
        return Ok(Decimals(None));
    }
    match s.parse::<u32>() {
        Ok(d) if d <= crate::tracks::MAX_DECIMALS => Ok(Decimals(Some(d))),
        _ => Err(crate::Error::value(
            s,
            format!(
                "give 0 to {} decimals, or full",
                crate::tracks::MAX_DECIMALS
            ),
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
        super::plan_splits::Args::command().debug_assert();
        super::prepare_genome::Args::command().debug_assert();
        super::count_kmers::Args::command().debug_assert();
        super::score_genome::Args::command().debug_assert();
        super::merge_scores::Args::command().debug_assert();
        super::score_variants::Args::command().debug_assert();
        super::explain_flanks::Args::command().debug_assert();
        super::index_genome::Args::command().debug_assert();
        super::query_index::Args::command().debug_assert();
        super::find_copies::Args::command().debug_assert();
        #[cfg(feature = "torch")]
        super::train_model::Args::command().debug_assert();
    }
}
