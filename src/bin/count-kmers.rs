use dnactx::cli::count_kmers::{Args, RENAMED, run};

fn main() -> std::process::ExitCode {
    dnactx::cli::main(dnactx::cli::parse::<Args>(RENAMED), run)
}
