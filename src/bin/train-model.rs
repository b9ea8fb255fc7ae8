use clap::Parser;
use dnactx::cli::train_model::{Args, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(Args::parse(), run)
}
