use dnactx::cli::index_genome::{Args, RENAMED, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(dnactx::cli::parse::<Args>(RENAMED), run)
}
