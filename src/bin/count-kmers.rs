use clap::Parser;
use dnactx::cli::count_kmers::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
