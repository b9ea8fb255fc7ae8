use clap::Parser;
use dnactx::cli::plan_splits::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
