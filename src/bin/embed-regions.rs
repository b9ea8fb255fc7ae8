use clap::Parser;
use dnactx::cli::embed_regions::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
