//! `explain-flanks`: how much each band of flank distances contributes to the predictions.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

use crate::explain::Mode;
use crate::regions::splits::Split;
use crate::tools::RegionChoice;
use crate::tools::explain_flanks::ExplainFlanks;

/// Accuracy and bits per base when the flank bases at distance d from the center (or a band
/// of distances), on both sides, are shuffled or replaced by random bases.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Example:\n  explain-flanks -g genome.fa.gz -m models/cnn --windows windows.parquet --split test -o flanks.parquet\n\nWrites a Parquet table and a TSV beside it (same name, .tsv)."
)]
pub struct Args {
    /// Genome: FASTA (plain, gzip or bgzip) or UCSC .2bit.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, short, long)]
    pub genome: PathBuf,
    #[command(flatten)]
    pub model: super::model::ModelArgs,
    /// Windows table from make-windows; positions are drawn from its --split windows.
    #[arg(long, required_unless_present = "regions", conflicts_with = "regions")]
    pub windows: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// BED of regions to draw positions from instead of windows.
    /// `-` reads standard input.
    #[arg(value_parser = crate::io::input_path, long)]
    pub regions: Option<PathBuf>,
    /// Positions drawn (uniformly, seeded); those whose base is unknown are left out.
    #[arg(long, default_value_t = 20_000)]
    pub positions: usize,
    /// Bands of distances, e.g. `1,2,3,6-10,11-50` [default: 1..5, 6-10, 11-20, 21-50, ...
    /// up to the model's flank].
    #[arg(long)]
    pub bands: Option<String>,
    /// Disturbances to apply.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Mode::Shuffle, Mode::Random])]
    pub modes: Vec<Mode>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output Parquet table (a TSV is written beside it).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: super::Common,
}

/// Spellings of earlier releases still taken, with a deprecation line (see [`super::parse`]).
pub const RENAMED: &[(&str, &str)] = &[];

pub fn run(args: Args) -> Result<()> {
    args.common.init()?;
    let regions = RegionChoice {
        windows: args.windows,
        split: args.split,
        bed: args.regions,
        chroms: Vec::new(),
        plan_job: None,
    };
    let job = ExplainFlanks {
        model: args.model.spec(&args.common),
        genome: args.genome,
        regions,
        positions: args.positions,
        bands: args.bands,
        modes: args.modes,
        seed: args.seed,
        output: args.output,
        quiet: args.common.quiet,
    };
    Ok(job.run()?)
}
