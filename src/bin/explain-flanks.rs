use clap::Parser;
use dnactx::cli::explain_flanks::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
