//! penv: declarative per-project Python environments.
//!
//! The pipeline, one module each:
//!
//! ```text
//! penv.toml ──► spec ──────► resolver ──► creator ──► installer ──► state
//! (project)    (spec.rs,     (python/)    (venv/      (installer.rs) (state.rs,
//!               reqfile.rs)               create.rs)                 written last)
//! ```
//!
//! - [`project`] finds and validates `penv.toml` (or `[tool.penv]`).
//! - [`python`] turns the request into a base interpreter, probing each
//!   binary once and caching what it learned by the binary's fingerprint.
//! - [`spec`] is the canonical form of everything that decides the env's
//!   contents; its sha256 is the env's identity.
//! - [`venv`] inspects, builds, replaces (crash-safely: [`venv::txn`]),
//!   stashes and removes envs; it only ever deletes what penv owns.
//! - [`installer`] runs the env's own pip.
//! - [`state`] records what was built, beside `pyvenv.cfg`, last.
//! - [`commands`] are thin: settings in, domain calls, a summary out.
//!
//! Cross-cutting: [`fs`] (the only code that deletes), [`text_file`] (the
//! one capped reader of files a project controls), [`env_vars`] (the
//! only code that reads the environment), [`printer`] (the only code that
//! prints), [`platform`] (every OS difference), [`diagnostics`] (how errors
//! look).

pub mod cli;
mod commands;
mod credentials;
pub mod diagnostics;
mod env_vars;
mod error;
mod fs;
mod installer;
mod ops;
mod platform;
mod plan;
mod printer;
pub mod process;
pub mod project;
mod python;
mod requirement;
pub mod spec;
mod state;
mod text_file;
mod venv;

use std::process::ExitCode;

pub use error::Error;

/// Runs penv with parsed arguments and returns the process's exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    let vars = env_vars::EnvVars::from_process();
    let printer = printer::Printer::new(
        cli.quiet,
        cli.verbose,
        cli.color,
        vars.no_color,
        vars.no_progress,
    );
    match commands::dispatch(cli, vars, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&diagnostics::render_styled(&err));
            ExitCode::from(err.exit_code())
        }
    }
}
