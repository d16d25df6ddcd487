//! The `parcalc` binary: everything is in the library's `cli::run`.

fn main() -> std::process::ExitCode {
    parcalc::cli::run(std::env::args_os())
}
