use clap::Parser;
use dnactx::cli::mask_repeats::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
