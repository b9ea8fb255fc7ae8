use clap::Parser;
use dnactx::cli::merge_scores::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
