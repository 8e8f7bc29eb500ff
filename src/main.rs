use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    penv::run(penv::cli::Cli::parse())
}
