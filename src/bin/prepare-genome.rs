use clap::Parser;
use dnactx::cli::prepare_genome::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
