use dnactx::cli::plan_splits::{Args, RENAMED, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(dnactx::cli::parse::<Args>(RENAMED), run)
}
