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
    /// The job of the plan, if one is given.
    pub fn plan_job(&self) -> Option<crate::tools::PlanJob> {
        let (plan, job) = (self.plan.clone()?, self.job.clone()?);
        Some(crate::tools::PlanJob { plan, job })
    }
}

/// The positions a tool works on: `--windows` and `--split`, or `--regions`, on `--chrom`
/// or a plan's `--job`. Each tool words the help of the first three by `mut_arg`.
#[derive(clap::Args, Debug, Clone)]
pub struct RegionArgs {
    #[arg(long, required_unless_present = "regions", conflicts_with = "regions")]
    pub windows: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::regions::splits::Split::Test)]
    pub split: crate::regions::splits::Split,
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: Option<std::path::PathBuf>,
    /// Only these chromosomes (comma-separated or repeated).
    #[arg(long = "chrom")]
    pub chroms: Vec<String>,
    #[command(flatten)]
    pub job: JobArgs,
}

impl RegionArgs {
    /// The library's choice of positions.
    pub fn choice(&self) -> crate::tools::RegionChoice {
        crate::tools::RegionChoice {
            windows: self.windows.clone(),
            split: self.split,
            bed: self.regions.clone(),
            chroms: flatten_list(&self.chroms),
            plan_job: self.job.plan_job(),
        }
    }
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
