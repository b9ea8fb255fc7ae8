use clap::Parser;
use dnactx::cli::score_variants::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
