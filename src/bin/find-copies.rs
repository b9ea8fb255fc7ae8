use clap::Parser;
use dnactx::cli::find_copies::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
