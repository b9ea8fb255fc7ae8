use clap::Parser;
use dnactx::cli::index_genome::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
