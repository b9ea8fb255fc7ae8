use clap::Parser;
use dnactx::cli::query_index::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
