//! `just bench`: penv side by side with the same work done by hand
//! (`python -m venv` + `python -m pip install`) and with uv when `uv` is on
//! `PATH`, all offline from one wheelhouse. Each scenario runs several times
//! per tool; the medians, their ratios and the project's targets (PASS/MISS)
//! are printed as one table on stdout, progress goes to stderr.
//!
//! What keeps the columns comparable:
//! - every child gets a cleared environment: the inherited `PATH` and `LANG`
//!   and a private `HOME`, nothing else, so the machine's `PIP_*`, `PYTHON*`,
//!   `UV_*` and `VIRTUAL_ENV` change nothing;
//! - one base interpreter for all (`python3` on `PATH`, resolved to its base
//!   executable, or `--python`), one wheelhouse, no index and no network;
//! - penv's cache is warm (its pip seed is prepared once per machine, before
//!   any timing: that is how it is used); uv gets a private cache per
//!   scenario, empty for the cold build, warmed first everywhere else;
//! - each tool keeps its defaults otherwise (pip by hand byte-compiles what it
//!   installs; penv and uv do not).
//!
//! A missed target is a MISS in the table, not a failure: the exit code is 0
//! whenever every measurement ran, 2 when one could not.

mod args;
mod derive;
mod installers;
mod lock;
mod measure;
mod package;
mod real;
mod scan;
mod scenarios;
mod support;
mod table;
mod tools;
mod wheelhouse;

use std::ffi::OsString;
use std::process::ExitCode;

use args::{Args, Scenario};
use clap::Parser as _;
use scenarios::{cold_build, cold_locked, empty_env, noop_sync, run_overhead, switch};
use support::{create_dir, remove_dir};
use table::{print_notes, print_table};
use tools::Bench;

type Result<T, E = String> = std::result::Result<T, E>;

/// Warm-up runs before the millisecond scenarios are timed.
const WARMUPS: usize = 3;

fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and a
    // test run should not spend minutes here.
    if !raw.iter().skip(1).any(|arg| arg == "--bench") {
        eprintln!("compare: a benchmark; run it with `just bench` (`cargo bench --bench compare`)");
        return ExitCode::SUCCESS;
    }
    // `--help` prints and exits 0; a bad argument is clap's error, exit 2.
    let args = Args::parse_from(raw);
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Sets up the shared fixtures, runs the chosen scenarios, prints the table.
fn run(args: &Args) -> Result<()> {
    let tmp = tempfile::tempdir().map_err(|err| format!("cannot create a temp dir: {err}"))?;
    let bench = Bench::new(args, tmp.path())?;
    bench.print_header();

    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        if !args.only.is_empty() && !args.only.contains(&scenario) {
            continue;
        }
        for with_uv in args.installer.passes(scenario, bench.uv.is_some()) {
            bench.penv_uv.set(with_uv);
            let with = if with_uv { " (penv with uv)" } else { "" };
            eprintln!("running: {}{with}", scenario.title());
            let dir = bench.root.join(scenario.name());
            create_dir(&dir)?;
            let found = match scenario {
                Scenario::Empty => empty_env(&bench, &dir)?,
                Scenario::Cold => cold_build(&bench, &dir)?,
                Scenario::Locked => cold_locked(&bench, &dir)?,
                Scenario::Noop => noop_sync(&bench, &dir)?,
                Scenario::Run => run_overhead(&bench, &dir)?,
                Scenario::Switch => switch(&bench, &dir)?,
                Scenario::Scan => scan::scan(&bench, &dir)?,
                Scenario::Derive => derive::derive(&bench, &dir)?,
                Scenario::Lock => lock::lock(&bench, &dir)?,
                Scenario::Package => package::package(&bench, &dir)?,
                Scenario::Real => real::real(&bench, &dir),
            };
            rows.extend(found.into_iter().map(|row| {
                if with_uv {
                    installers::uv_row(row)
                } else {
                    row
                }
            }));
            remove_dir(&dir)?;
        }
    }
    println!();
    print_table(&rows);
    println!();
    print_notes(&bench);
    Ok(())
}
