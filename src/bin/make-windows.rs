use clap::Parser;
use dnactx::cli::make_windows::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
